"""Who may do what with a profile. Checked here, in the application layer, whatever the edge did.

Acting on one's own profile needs nothing more than being signed in. Acting on someone else's
needs a permission from the caller's token (``user:read``, ``user:manage``), granted by the
college's role mapping in the auth service, in the profile's own college (super admins: any).
"""

from __future__ import annotations

from lms.user.domain.model import Profile
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal

USER_READ = Permission.USER_READ
USER_MANAGE = Permission.USER_MANAGE


def _may(principal: Principal, tenant_id: str, permission: str) -> bool:
    if principal.is_super_admin:
        return True
    return principal.tenant_id == tenant_id and principal.has_permission(permission)


def ensure_visible(principal: Principal, profile: Profile | None) -> Profile:
    """Another college's profile does not exist as far as the caller can tell: 404, not 403."""
    if profile is None or profile.is_deleted or not principal.can_see_tenant(profile.tenant_id):
        raise NotFound("user not found")
    return profile


def ensure_can_read(principal: Principal, profile: Profile) -> None:
    # Staff read profiles of their college: teaching and grading need names and emails.
    if principal.user_id == str(profile.id) or _may(principal, profile.tenant_id, USER_READ):
        return
    raise PermissionDenied("you may only view your own profile")


def ensure_can_edit(principal: Principal, profile: Profile) -> None:
    if principal.user_id == str(profile.id) or _may(principal, profile.tenant_id, USER_MANAGE):
        return
    raise PermissionDenied("you may only change your own profile")


def ensure_admin(principal: Principal, tenant_id: str) -> None:
    if not _may(principal, tenant_id, USER_MANAGE):
        raise PermissionDenied(f"this needs the {USER_MANAGE} permission in this college")


def ensure_can_list(principal: Principal) -> None:
    if _may(principal, principal.tenant_id, USER_READ):
        return
    raise PermissionDenied(f"listing users needs the {USER_READ} permission")
