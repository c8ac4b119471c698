"""Bulk update (roles, activation) and bulk delete of a college's accounts.

The answer is a per-item report in ONE transaction, not all-or-nothing: a list of hundreds
of ids routinely holds a few that are gone or that the caller may not touch (their own
account, a super admin), and refusing the whole list for those would make admins retry by
hand. Whatever is applied is applied atomically with its events and the single audit entry;
a request-level problem (too many ids, granting super_admin without being one, another college)
writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from lms.auth.application.accounts import (
    apply_deactivation,
    apply_reactivation,
    delete_account,
    ensure_college,
)
from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import (
    ROLE_ASSIGN,
    ensure_admin_of,
    ensure_may_grant,
    ensure_permission,
    refusal_to_manage,
)
from lms.auth.application.errors import TooManyItems
from lms.auth.application.ports import AccountUnitOfWork
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.events import account_updated
from lms.auth.domain.model import Account, check_roles
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class BulkOutcome(StrEnum):
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    NOT_FOUND = "not_found"  # no such account in this college (another college's included)
    REFUSED = "refused"


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkItemResult:
    id: UUID
    outcome: BulkOutcome
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkReport:
    items: list[BulkItemResult]

    @property
    def counts(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in BulkOutcome}
        for item in self.items:
            counts[item.outcome.value] += 1
        return counts

    def ids(self, outcome: BulkOutcome) -> list[str]:
        return [str(item.id) for item in self.items if item.outcome is outcome]


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkLimits:
    max_items: int = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkChange:
    """What to set on every account; None leaves it as it is."""

    roles: tuple[str, ...] | None = None
    active: bool | None = None


def _unique(account_ids: Sequence[UUID], limits: BulkLimits) -> list[UUID]:
    ids = list(dict.fromkeys(account_ids))  # a repeated id is one item, reported once
    if not ids:
        raise InvalidInput("account_ids must not be empty", field="account_ids")
    if len(ids) > limits.max_items:
        raise TooManyItems(
            f"at most {limits.max_items} accounts per request; got {len(ids)}",
            field="account_ids",
            extra={"max_items": limits.max_items},
        )
    return ids


class _BulkOperation:
    def __init__(
        self, uow: AccountUnitOfWork, clock: Clock, audit: AuditRecorder, limits: BulkLimits
    ) -> None:
        self._uow, self._clock, self._audit, self._limits = uow, clock, audit, limits

    async def _accounts(
        self, principal: Principal, college_id: UUID, account_ids: Sequence[UUID]
    ) -> tuple[list[UUID], dict[UUID, Account]]:
        ensure_admin_of(principal, college_id)
        ids = _unique(account_ids, self._limits)
        await ensure_college(self._uow, college_id)
        found = await self._uow.accounts.get_many(ids)
        return ids, {a.id: a for a in found if a.college_id == college_id}

    async def _each(
        self,
        principal: Principal,
        college_id: UUID,
        account_ids: Sequence[UUID],
        act: Callable[[Account], Awaitable[BulkOutcome]],
    ) -> BulkReport:
        """Runs ``act`` on every listed account of the college the caller may manage; the
        others are reported as not found or refused."""
        ids, accounts = await self._accounts(principal, college_id, account_ids)
        items: list[BulkItemResult] = []
        for account_id in ids:
            account = accounts.get(account_id)
            if account is None:
                items.append(BulkItemResult(id=account_id, outcome=BulkOutcome.NOT_FOUND))
                continue
            refusal = refusal_to_manage(principal, account)
            if refusal is not None:
                items.append(
                    BulkItemResult(id=account_id, outcome=BulkOutcome.REFUSED, reason=refusal)
                )
                continue
            items.append(BulkItemResult(id=account_id, outcome=await act(account)))
        return BulkReport(items=items)

    def _audit_report(
        self,
        action: AuditAction,
        principal: Principal,
        college_id: UUID,
        report: BulkReport,
        extra: dict[str, Any],
    ) -> None:
        self._audit.record(
            action,
            college_id=college_id,
            actor=principal,
            target_type="college",
            target_id=college_id,
            details={
                **extra,
                "requested": len(report.items),
                "counts": report.counts,
                **{f"{o.value}_ids": report.ids(o) for o in BulkOutcome if report.ids(o)},
            },
        )


class BulkUpdateAccounts(_BulkOperation):
    """Role changes emit ``account.updated``; deactivation revokes refresh tokens and emits
    ``account.deactivated`` (as ``DeactivateAccount`` does); reactivation ``account.reactivated``.
    """

    async def __call__(
        self,
        principal: Principal,
        college_id: UUID,
        account_ids: Sequence[UUID],
        change: BulkChange,
    ) -> BulkReport:
        if change.roles is None and change.active is None:
            raise InvalidInput("set must name roles, active or both", field="set")
        ensure_admin_of(principal, college_id)  # before anything else: 404 for other colleges
        roles = check_roles(change.roles) if change.roles is not None else None
        if roles is not None:
            ensure_permission(principal, ROLE_ASSIGN)
            ensure_may_grant(principal, roles)
        now = self._clock.now()

        async def update(account: Account) -> BulkOutcome:
            changed = await self._apply(account, roles, change.active, now)
            return BulkOutcome.UPDATED if changed else BulkOutcome.UNCHANGED

        report = await self._each(principal, college_id, account_ids, update)
        wanted: dict[str, Any] = {}
        if roles is not None:
            wanted["roles"] = list(roles)
        if change.active is not None:
            wanted["active"] = change.active
        self._audit_report(AuditAction.BULK_UPDATED, principal, college_id, report, {"set": wanted})
        await self._uow.commit()
        return report

    async def _apply(
        self, account: Account, roles: tuple[str, ...] | None, active: bool | None, now: datetime
    ) -> bool:
        roles_changed = roles is not None and account.assign_roles(roles, now)
        if roles_changed:
            self._uow.record(account_updated(account, {"roles": list(account.roles)}, now))
        status_changed = False
        if active is False:
            status_changed = await apply_deactivation(self._uow, account, now)
        elif active is True:
            status_changed = await apply_reactivation(self._uow, account, now)
        if roles_changed and not status_changed:
            await self._uow.accounts.save(account)
        return roles_changed or status_changed


class BulkDeleteAccounts(_BulkOperation):
    """Hard deletes, each emitting ``account.deleted``."""

    async def __call__(
        self, principal: Principal, college_id: UUID, account_ids: Sequence[UUID]
    ) -> BulkReport:

        async def delete(account: Account) -> BulkOutcome:
            await delete_account(self._uow, account, self._clock)
            return BulkOutcome.DELETED

        report = await self._each(principal, college_id, account_ids, delete)
        self._audit_report(AuditAction.BULK_DELETED, principal, college_id, report, {})
        await self._uow.commit()
        return report
