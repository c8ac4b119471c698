"""Who may do what in the auth service. Checked here, in the application layer, whatever the
edge did. Another college's resources do not exist as far as the caller can tell."""

from __future__ import annotations

from uuid import UUID

from lms.auth.domain.model import Account
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role

ACCOUNT_MANAGE = Permission.ACCOUNT_MANAGE
ROLE_ASSIGN = Permission.ROLE_ASSIGN
COLLEGE_CONFIGURE = Permission.COLLEGE_CONFIGURE


def ensure_super_admin(principal: Principal) -> None:
    if not principal.is_super_admin:
        raise PermissionDenied("only a super admin may do this")


def ensure_admin_of(
    principal: Principal, college_id: UUID, permission: str = ACCOUNT_MANAGE
) -> None:
    """An admin of this college whose token also carries ``permission``: a college that takes
    a permission away from its admins is obeyed, not only the role name."""
    if not principal.can_see_tenant(str(college_id)):
        raise NotFound("college not found")
    if not principal.is_admin_of(str(college_id)):
        raise PermissionDenied("only a college admin may do this")
    ensure_permission(principal, permission)


def ensure_may_grant(principal: Principal, roles: tuple[str, ...]) -> None:
    if Role.SUPER_ADMIN in roles and not principal.is_super_admin:
        raise PermissionDenied("only a super admin may grant super_admin")


def ensure_visible(principal: Principal, account: Account | None) -> Account:
    if account is None or not principal.can_see_tenant(str(account.college_id)):
        raise NotFound("account not found")
    return account


def ensure_permission(principal: Principal, permission: str) -> None:
    """Permissions come from the token, which carries the college's own role mapping."""
    if not (principal.is_super_admin or principal.has_permission(permission)):
        raise PermissionDenied(f"this needs the {permission} permission")


def refusal_to_manage(principal: Principal, account: Account) -> str | None:
    """Why ``principal`` (already an admin of the account's college) may not change, deactivate,
    reactivate, re-invite or delete ``account``; None when it may. Every use case that acts on
    another account asks this (bulk ones report it per item)."""
    if principal.user_id == str(account.id):
        return "you cannot do this to your own account"
    if Role.SUPER_ADMIN in account.roles and not principal.is_super_admin:
        return "only a super admin may change a super admin's account"
    return None


def ensure_may_manage(principal: Principal, account: Account) -> None:
    refusal = refusal_to_manage(principal, account)
    if refusal is not None:
        raise PermissionDenied(refusal)
