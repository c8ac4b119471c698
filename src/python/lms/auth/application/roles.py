"""Roles and permissions: the catalogue, a college's role → permission mapping, and assigning
roles to accounts. Changes take effect in tokens issued afterwards (at the next login or
refresh, so within one access-token lifetime)."""

from __future__ import annotations

from uuid import UUID

from lms.auth.application.audit import AuditRecorder, account_id_of
from lms.auth.application.authorization import (
    ROLE_ASSIGN,
    ensure_admin_of,
    ensure_may_grant,
    ensure_visible,
)
from lms.auth.application.ports import RoleUnitOfWork
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.events import account_updated
from lms.auth.domain.model import Account, check_roles
from lms.auth.domain.permissions import ALL_PERMISSIONS, ROLE_PERMISSIONS
from lms.auth.domain.role_permissions import (
    PERMISSION_DESCRIPTIONS,
    RolePermissions,
    check_customizable_role,
    check_role_permissions,
    college_mapping,
)
from lms_platform.kernel.errors import Conflict, NotFound, PermissionDenied
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role


def permission_catalogue() -> dict[str, str]:
    """Every permission a token may carry, with what it allows."""
    return {name: PERMISSION_DESCRIPTIONS.get(name, "") for name in sorted(ALL_PERMISSIONS)}


class _CollegeRoles:
    def __init__(self, uow: RoleUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def _ensure_college(self, principal: Principal, college_id: UUID) -> None:
        ensure_admin_of(principal, college_id, ROLE_ASSIGN)
        if await self._uow.colleges.get(college_id) is None:
            raise NotFound("college not found")

    def _record_change(
        self,
        principal: Principal,
        college_id: UUID,
        before: RolePermissions,
        after: frozenset[str],
        *,
        customized: bool,
    ) -> None:
        self._audit.record(
            AuditAction.ROLE_PERMISSIONS_CHANGED,
            college_id=college_id,
            actor=principal,
            target_type="role",
            target_id=before.role,
            details={
                "added": sorted(after - before.permissions),
                "removed": sorted(before.permissions - after),
                "customized": customized,
            },
        )


class GetRoleMapping(_CollegeRoles):
    """Any member of the college may read it: it explains what their own role allows."""

    async def __call__(self, principal: Principal, college_id: UUID) -> list[RolePermissions]:
        if not principal.can_see_tenant(str(college_id)):
            raise NotFound("college not found")
        if await self._uow.colleges.get(college_id) is None:
            raise NotFound("college not found")
        mapping = college_mapping(await self._uow.role_permissions.overrides(college_id))
        return list(mapping.values())


class SetRolePermissions(_CollegeRoles):
    async def __call__(
        self, principal: Principal, college_id: UUID, role: str, permissions: list[str]
    ) -> RolePermissions:
        await self._ensure_college(principal, college_id)
        wanted = check_role_permissions(role, permissions)
        before = college_mapping(await self._uow.role_permissions.overrides(college_id))[role]
        if wanted == before.permissions and before.customized:
            return before
        await self._uow.role_permissions.put(
            college_id, role, wanted, self._clock.now(), account_id_of(principal)
        )
        self._record_change(principal, college_id, before, wanted, customized=True)
        await self._uow.commit()
        return RolePermissions(role=role, permissions=wanted, customized=True)


class ResetRolePermissions(_CollegeRoles):
    """Back to the default table for this role."""

    async def __call__(self, principal: Principal, college_id: UUID, role: str) -> RolePermissions:
        await self._ensure_college(principal, college_id)
        check_customizable_role(role)
        before = college_mapping(await self._uow.role_permissions.overrides(college_id))[role]
        default = ROLE_PERMISSIONS[role]
        if await self._uow.role_permissions.remove(college_id, role):
            self._record_change(principal, college_id, before, default, customized=False)
            await self._uow.commit()
        return RolePermissions(role=role, permissions=default, customized=False)


class AssignRoles:
    """Replaces an account's roles. Nobody changes their own roles (no self-promotion, and no
    admin locking themselves out); only a super admin grants or removes ``super_admin``."""

    def __init__(self, uow: RoleUnitOfWork, clock: Clock, audit: AuditRecorder) -> None:
        self._uow, self._clock, self._audit = uow, clock, audit

    async def __call__(
        self, principal: Principal, account_id: UUID, roles: tuple[str, ...]
    ) -> Account:
        account = ensure_visible(principal, await self._uow.accounts.get(account_id))
        ensure_admin_of(principal, account.college_id, ROLE_ASSIGN)
        if principal.user_id == str(account.id):
            raise Conflict("you cannot change your own roles")
        wanted = check_roles(roles)
        ensure_may_grant(principal, wanted)
        if Role.SUPER_ADMIN in account.roles and not principal.is_super_admin:
            raise PermissionDenied("only a super admin may change a super admin's roles")
        before = account.roles
        now = self._clock.now()
        if account.assign_roles(wanted, now):
            await self._uow.accounts.save(account)
            self._uow.record(account_updated(account, {"roles": list(account.roles)}, now))
            self._audit.record(
                AuditAction.ROLES_ASSIGNED,
                college_id=account.college_id,
                actor=principal,
                target_type="account",
                target_id=account.id,
                details={"before": list(before), "after": list(account.roles)},
            )
            await self._uow.commit()
        return account
