"""Account administration: list, read, change and delete one account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import ensure_admin_of, ensure_visible
from lms.auth.application.ports import AccountQuery, AuthUnitOfWork
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.events import account_deleted, account_updated
from lms.auth.domain.model import Account, College
from lms_platform.kernel.errors import Conflict, NotFound, PermissionDenied
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role


def refusal_to_manage(principal: Principal, account: Account) -> str | None:
    """Why ``principal`` (already an admin of the account's college) may not change or delete
    ``account``; None when it may."""
    if principal.user_id == str(account.id):
        return "you cannot do this to your own account"
    if Role.SUPER_ADMIN in account.roles and not principal.is_super_admin:
        return "only a super admin may change a super admin's account"
    return None


class ListAccounts:
    def __init__(self, uow: AuthUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, query: AccountQuery, page: PageRequest
    ) -> Page[Account]:
        ensure_admin_of(principal, query.college_id)
        return await self._uow.accounts.search(query, page)


class GetAccount:
    """College admins read their college's accounts; anyone reads their own."""

    def __init__(self, uow: AuthUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, account_id: UUID) -> Account:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        if principal.user_id != str(account.id):
            ensure_admin_of(principal, account.college_id)
        return account


UNCHANGED: Any = object()  # "not sent", as opposed to None, which clears a field


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountChanges:
    """Fields left at ``UNCHANGED`` are not touched."""

    email: str | Any = UNCHANGED
    display_name: str | None | Any = UNCHANGED


class UpdateAccount:
    """Emits ``account.updated`` with only the fields that changed; a change to nothing is no
    change: no event and no audit entry."""

    def __init__(self, uow: AuthUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def __call__(
        self, principal: Principal, account_id: UUID, changes: AccountChanges
    ) -> Account:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        if Role.SUPER_ADMIN in account.roles and not principal.is_super_admin:
            raise PermissionDenied("only a super admin may change a super admin's account")
        now = self._clock.now()
        before = {"email": account.email, "display_name": account.display_name}
        changed: dict[str, Any] = {}
        if changes.email is not UNCHANGED and account.change_email(changes.email, now):
            other = await self._uow.accounts.get_by_email(account.college_id, account.email)
            if other is not None and other.id != account.id:
                raise Conflict(f"an account with email {account.email} already exists")
            changed["email"] = account.email
        if changes.display_name is not UNCHANGED and account.rename(changes.display_name, now):
            changed["display_name"] = account.display_name
        if not changed:
            return account
        await self._uow.accounts.save(account)
        self._uow.record(account_updated(account, changed, now))
        self._audit.record(
            AuditAction.ACCOUNT_UPDATED,
            college_id=account.college_id,
            actor=principal,
            target_type="account",
            target_id=account.id,
            details={"changes": changed, "previous": {name: before[name] for name in changed}},
        )
        await self._uow.commit()
        return account


class DeleteAccount:
    """A hard delete: the credential row and its refresh tokens go; the audit log keeps the id.
    Deactivate instead to keep the account restorable."""

    def __init__(self, uow: AuthUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def __call__(self, principal: Principal, account_id: UUID) -> None:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        if principal.user_id == str(account.id):
            raise Conflict("you cannot delete your own account")
        refusal = refusal_to_manage(principal, account)
        if refusal is not None:
            raise PermissionDenied(refusal)
        await delete_account(self._uow, account, self._clock)
        self._audit.record(
            AuditAction.ACCOUNT_DELETED,
            college_id=account.college_id,
            actor=principal,
            target_type="account",
            target_id=account.id,
            details={"email": account.email, "roles": list(account.roles)},
        )
        await self._uow.commit()


async def delete_account(uow: AuthUnitOfWork, account: Account, clock: Clock) -> None:
    """Deletes and records ``account.deleted``; the caller audits and commits."""
    await uow.accounts.delete(account)
    uow.record(account_deleted(account, clock.now()))


async def ensure_college(uow: AuthUnitOfWork, college_id: UUID) -> None:
    if await uow.colleges.get(college_id) is None:
        raise NotFound("college not found")


EXPORT_BATCH = 500


class ExportAccounts:
    """Audited once, before the first byte: the entry records that an export was taken, even if
    the client stops reading half-way."""

    def __init__(self, uow: AuthUnitOfWork, audit: AuditRecorder) -> None:
        self._uow, self._audit = uow, audit

    async def __call__(
        self, principal: Principal, college_id: UUID
    ) -> tuple[College, AsyncIterator[list[Account]]]:
        ensure_admin_of(principal, college_id)
        college = await self._uow.colleges.get(college_id)
        if college is None:
            raise NotFound("college not found")
        self._audit.record(
            AuditAction.BULK_EXPORTED,
            college_id=college_id,
            actor=principal,
            target_type="college",
            target_id=college_id,
            details={"format": "csv"},
        )
        await self._uow.commit()
        return college, self._uow.accounts.stream_college(college_id, EXPORT_BATCH)
