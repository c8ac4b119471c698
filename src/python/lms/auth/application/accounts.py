"""Accounts, one at a time: register (and bootstrap the first super admin), list, read, change,
deactivate, reactivate, delete and export. Every change to another account is refused when
``refusal_to_manage`` says so (your own account; a super admin's, unless you are one)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from lms.auth.application.audit import AuditRecorder
from lms.auth.application.authorization import (
    ensure_admin_of,
    ensure_may_grant,
    ensure_may_manage,
    ensure_visible,
)
from lms.auth.application.colleges import PLATFORM_COLLEGE_SLUG, NewCollege, create_college
from lms.auth.application.ports import (
    AccountQuery,
    AccountUnitOfWork,
    CollegeUnitOfWork,
    PasswordHasher,
)
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.events import (
    account_deactivated,
    account_deleted,
    account_reactivated,
    account_registered,
    account_updated,
)
from lms.auth.domain.model import Account, College, normalize_email
from lms_platform.kernel.errors import Conflict, NotFound, PermissionDenied
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAccount:
    college_id: UUID
    email: str
    password: str
    roles: tuple[str, ...] = (Role.STUDENT,)
    display_name: str | None = None


class _AccountCreator:
    def __init__(
        self,
        uow: AccountUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        hasher: PasswordHasher,
        audit: AuditRecorder,
    ) -> None:
        self._uow, self._clock, self._ids, self._hasher = uow, clock, ids, hasher
        self._audit = audit


class RegisterAccount(_AccountCreator):
    """A college admin (or a super admin) creates an account in a college."""

    async def __call__(self, principal: Principal, new: NewAccount) -> Account:
        ensure_admin_of(principal, new.college_id)
        ensure_may_grant(principal, new.roles)
        return await _register(
            self._uow, self._clock, self._ids, self._hasher, self._audit, new, principal
        )


async def _register(
    uow: AccountUnitOfWork,
    clock: Clock,
    ids: IdGenerator,
    hasher: PasswordHasher,
    audit: AuditRecorder,
    new: NewAccount,
    actor: Principal | None,
) -> Account:
    college = await uow.colleges.get(new.college_id)
    if college is None:
        raise NotFound("college not found")
    email = normalize_email(new.email)
    college.password_policy.check(new.password)
    if await uow.accounts.get_by_email(college.id, email) is not None:
        raise Conflict(f"an account with email {email} already exists in this college")
    account = Account.register(
        id=ids.new_id(),
        college_id=college.id,
        email=email,
        display_name=new.display_name,
        password_hash=await hasher.hash(new.password),
        roles=new.roles,
        now=clock.now(),
    )
    await uow.accounts.add(account)
    uow.record(account_registered(account))
    audit.record(
        AuditAction.ACCOUNT_REGISTERED,
        college_id=college.id,
        actor=actor,
        target_type="account",
        target_id=account.id,
        details={"email": account.email, "roles": [str(role) for role in account.roles]},
    )
    await uow.commit()
    return account


class BootstrapSuperAdmin(_AccountCreator):
    """First start of a platform: the ``platform`` college and a super admin in it. Run from the
    command line (no caller to check); refuses if that email already has an account there."""

    async def __call__(self, email: str, password: str, display_name: str | None = None) -> Account:
        college = await self._uow.colleges.get_by_slug(PLATFORM_COLLEGE_SLUG)
        if college is None:
            college = await create_college(
                self._uow,
                self._clock,
                self._ids,
                self._audit,
                NewCollege(slug=PLATFORM_COLLEGE_SLUG, name="LMS platform"),
                None,
            )
        return await _register(
            self._uow,
            self._clock,
            self._ids,
            self._hasher,
            self._audit,
            NewAccount(
                college_id=college.id,
                email=email,
                password=password,
                roles=(Role.SUPER_ADMIN,),
                display_name=display_name,
            ),
            None,
        )


async def apply_deactivation(uow: AccountUnitOfWork, account: Account, now: datetime) -> bool:
    """Deactivates, saves, revokes the account's refresh tokens and records
    ``account.deactivated``; False when it already was. The caller audits and commits (bulk
    updates share this, with one audit entry for the whole batch)."""
    if not account.deactivate(now):
        return False
    await uow.accounts.save(account)
    await uow.refresh_tokens.revoke_for_account(account.id, now)
    uow.record(account_deactivated(account, now))
    return True


async def apply_reactivation(uow: AccountUnitOfWork, account: Account, now: datetime) -> bool:
    """Reactivates, saves and records ``account.reactivated``; the caller audits and commits."""
    if not account.reactivate(now):
        return False
    await uow.accounts.save(account)
    uow.record(account_reactivated(account, now))
    return True


class _AccountStatusChange:
    def __init__(self, uow: AccountUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def _load(self, principal: Principal, account_id: UUID) -> Account:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        return account


class DeactivateAccount(_AccountStatusChange):
    """The account can no longer log in and its refresh tokens die at once. Access tokens
    already issued live until they expire (minutes); services that cannot wait consume
    ``account.deactivated``."""

    async def __call__(self, principal: Principal, account_id: UUID) -> Account:
        account = await self._load(principal, account_id)
        if principal.user_id == str(account.id):
            raise Conflict("you cannot deactivate your own account")
        ensure_may_manage(principal, account)
        now = self._clock.now()
        if await apply_deactivation(self._uow, account, now):
            self._audit.record(
                AuditAction.ACCOUNT_DEACTIVATED,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
            )
            await self._uow.commit()
        return account


class ReactivateAccount(_AccountStatusChange):
    """Also refused for one's own account: a deactivated admin's access token still works for
    minutes, and must not undo the deactivation."""

    async def __call__(self, principal: Principal, account_id: UUID) -> Account:
        account = await self._load(principal, account_id)
        ensure_may_manage(principal, account)
        now = self._clock.now()
        if await apply_reactivation(self._uow, account, now):
            self._audit.record(
                AuditAction.ACCOUNT_REACTIVATED,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
            )
            await self._uow.commit()
        return account


class ListAccounts:
    def __init__(self, uow: AccountUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, query: AccountQuery, page: PageRequest
    ) -> Page[Account]:
        ensure_admin_of(principal, query.college_id)
        return await self._uow.accounts.search(query, page)


class GetAccount:
    """College admins read their college's accounts; anyone reads their own."""

    def __init__(self, uow: AccountUnitOfWork) -> None:
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

    def __init__(self, uow: AccountUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
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

    def __init__(self, uow: AccountUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def __call__(self, principal: Principal, account_id: UUID) -> None:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id)
        if principal.user_id == str(account.id):
            raise Conflict("you cannot delete your own account")
        ensure_may_manage(principal, account)
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


async def delete_account(uow: AccountUnitOfWork, account: Account, clock: Clock) -> None:
    """Deletes and records ``account.deleted``; the caller audits and commits."""
    await uow.accounts.delete(account)
    uow.record(account_deleted(account, clock.now()))


async def ensure_college(uow: CollegeUnitOfWork, college_id: UUID) -> None:
    if await uow.colleges.get(college_id) is None:
        raise NotFound("college not found")


EXPORT_BATCH = 500


class ExportAccounts:
    """Audited once, before the first byte: the entry records that an export was taken, even if
    the client stops reading half-way."""

    def __init__(self, uow: AccountUnitOfWork, audit: AuditRecorder) -> None:
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
