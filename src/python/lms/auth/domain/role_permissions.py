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
from lms_platform.kernel.permissions import DESCRIPTIONS, Permission
from lms_platform.kernel.permissions import PLATFORM_ONLY_PERMISSIONS as CATALOGUE_PLATFORM_ONLY
from lms_platform.kernel.roles import Role

PERMISSION_DESCRIPTIONS: dict[str, str] = DESCRIPTIONS
# Granted only through super_admin, whose mapping is fixed.
PLATFORM_ONLY_PERMISSIONS = CATALOGUE_PLATFORM_ONLY
CUSTOMIZABLE_ROLES: tuple[str, ...] = tuple(role.value for role in Role if role != Role.SUPER_ADMIN)
# Without these a college admin could not undo a bad mapping: the college would need a super admin.
COLLEGE_ADMIN_LOCKED = frozenset({str(Permission.ROLE_ASSIGN), str(Permission.COLLEGE_CONFIGURE)})


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
