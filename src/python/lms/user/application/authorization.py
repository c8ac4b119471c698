"""Who may do what with a profile. Checked here, in the application layer, whatever the edge did."""

from __future__ import annotations

from lms.user.domain.model import Profile
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role

# Staff read profiles of their college (instructors need names and emails to teach and grade);
# only the user and college admins change them.
_READERS = frozenset({Role.INSTRUCTOR, Role.TEACHING_ASSISTANT})


def ensure_visible(principal: Principal, profile: Profile | None) -> Profile:
    """Another college's profile does not exist as far as the caller can tell: 404, not 403."""
    if profile is None or profile.is_deleted or not principal.can_see_tenant(profile.tenant_id):
        raise NotFound("user not found")
    return profile


def ensure_can_read(principal: Principal, profile: Profile) -> None:
    if principal.user_id == str(profile.id) or principal.is_admin_of(profile.tenant_id):
        return
    if principal.roles & _READERS:
        return
    raise PermissionDenied("you may only view your own profile")


def ensure_can_edit(principal: Principal, profile: Profile) -> None:
    if principal.user_id == str(profile.id) or principal.is_admin_of(profile.tenant_id):
        return
    raise PermissionDenied("you may only change your own profile")


def ensure_admin(principal: Principal, tenant_id: str) -> None:
    if not principal.is_admin_of(tenant_id):
        raise PermissionDenied("only a college admin may do this")


def ensure_can_list(principal: Principal) -> None:
    if principal.is_admin_of(principal.tenant_id) or principal.roles & _READERS:
        return
    raise PermissionDenied("only staff may list users")
