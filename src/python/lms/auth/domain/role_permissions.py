"""Per-college role → permission mappings.

Every college starts from the default table in ``permissions.py`` and may replace the
permission set of any role except ``super_admin``. Two guard rails keep a college from hurting
itself or others: platform-only permissions are never grantable to a college role, and a
college admin always keeps the permissions needed to repair the mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lms.auth.domain.permissions import ALL_PERMISSIONS, ROLE_PERMISSIONS
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.roles import Role

PERMISSION_DESCRIPTIONS: dict[str, str] = {
    "course:read": "See the courses one is enrolled in or teaches",
    "course:create": "Create courses",
    "course:update": "Edit courses one teaches",
    "course:delete": "Delete courses of the college",
    "assignment:read": "See assignments of one's courses",
    "assignment:create": "Create assignments",
    "assignment:update": "Edit assignments",
    "submission:create": "Submit work",
    "submission:read_own": "See one's own submissions and grades",
    "submission:read": "See every submission of one's courses",
    "submission:grade": "Grade submissions",
    "enrollment:manage": "Enrol and remove students and staff in courses",
    "note:write": "Write notes",
    "chat:participate": "Join course chats",
    "profile:edit_own": "Edit one's own profile",
    "user:read": "See other users' profiles in the college",
    "user:manage": "Manage user profiles in the college",
    "account:manage": "Create, change, deactivate and delete accounts; bulk import and export",
    "role:assign": "Assign roles and change the college's role → permission mapping",
    "college:configure": "Change the college's settings, password policy and email templates",
    "audit:read": "Read the college's audit log",
    "api_key:manage": "Create, rotate and revoke the college's API keys",
    "college:create": "Create colleges (platform operators only)",
    "signing_key:rotate": "Rotate the token-signing keys (platform operators only)",
}

# Granted only through super_admin, whose mapping is fixed.
PLATFORM_ONLY_PERMISSIONS = frozenset({"college:create", "signing_key:rotate"})
CUSTOMIZABLE_ROLES: tuple[str, ...] = tuple(role.value for role in Role if role != Role.SUPER_ADMIN)
# Without these a college admin could not undo a bad mapping: the college would need a super admin.
COLLEGE_ADMIN_LOCKED = frozenset({"role:assign", "college:configure"})


@dataclass(frozen=True, slots=True)
class RolePermissions:
    role: str
    permissions: frozenset[str]
    customized: bool


def check_customizable_role(role: str) -> str:
    if role not in CUSTOMIZABLE_ROLES:
        raise InvalidInput(
            f"the permissions of {role!r} cannot be customised; customisable roles: "
            + ", ".join(CUSTOMIZABLE_ROLES),
            field="role",
        )
    return role


def check_role_permissions(role: str, permissions: Iterable[str]) -> frozenset[str]:
    """Validates a college's new permission set for ``role``; returns it normalised."""
    check_customizable_role(role)
    wanted = frozenset(permissions)
    unknown = sorted(wanted - ALL_PERMISSIONS)
    if unknown:
        raise InvalidInput(f"unknown permissions: {', '.join(unknown)}", field="permissions")
    platform_only = sorted(wanted & PLATFORM_ONLY_PERMISSIONS)
    if platform_only:
        raise InvalidInput(
            f"platform-only permissions cannot be granted to a college role: "
            f"{', '.join(platform_only)}",
            field="permissions",
        )
    if role == Role.COLLEGE_ADMIN and not wanted >= COLLEGE_ADMIN_LOCKED:
        raise InvalidInput(
            "college_admin must keep " + ", ".join(sorted(COLLEGE_ADMIN_LOCKED)),
            field="permissions",
        )
    return wanted


def college_mapping(overrides: Mapping[str, frozenset[str]]) -> dict[str, RolePermissions]:
    """Every role with its effective permissions in a college with these overrides."""
    return {
        role.value: RolePermissions(
            role=role.value,
            permissions=overrides.get(role.value, ROLE_PERMISSIONS[role.value]),
            customized=role.value in overrides,
        )
        for role in Role
    }


def effective_permissions(
    roles: Iterable[str], overrides: Mapping[str, frozenset[str]]
) -> tuple[str, ...]:
    """The union of the roles' permissions in a college, sorted so tokens are reproducible."""
    granted: set[str] = set()
    for role in roles:
        if role == Role.SUPER_ADMIN:
            granted |= ROLE_PERMISSIONS[role]
        else:
            granted |= overrides.get(role, ROLE_PERMISSIONS.get(role, frozenset()))
    return tuple(sorted(granted))
