"""The default role → permission table. Tokens carry the permissions, so other services check
``principal.has_permission(...)`` without calling this service. The permissions themselves are
the platform's catalogue (``lms_platform.kernel.permissions``)."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.permissions import ALL_PERMISSIONS as CATALOGUE_PERMISSIONS
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.roles import Role

_STUDENT: frozenset[str] = frozenset(
    {
        Permission.COURSE_READ,
        Permission.ASSIGNMENT_READ,
        Permission.SUBMISSION_CREATE,
        Permission.SUBMISSION_READ_OWN,
        Permission.NOTE_WRITE,
        Permission.CHAT_PARTICIPATE,
        Permission.PROFILE_EDIT_OWN,
    }
)
_TEACHING_ASSISTANT = _STUDENT | {
    Permission.SUBMISSION_READ,
    Permission.SUBMISSION_GRADE,
    Permission.USER_READ,
}
_INSTRUCTOR = _TEACHING_ASSISTANT | {
    Permission.COURSE_CREATE,
    Permission.COURSE_UPDATE,
    Permission.ASSIGNMENT_CREATE,
    Permission.ASSIGNMENT_UPDATE,
    Permission.ENROLLMENT_MANAGE,
}
_COLLEGE_ADMIN = _INSTRUCTOR | {
    Permission.COURSE_DELETE,
    Permission.COURSE_MANAGE,
    Permission.ROSTER_IMPORT,
    Permission.ENROLLMENT_SYNC,
    Permission.USER_MANAGE,
    Permission.ACCOUNT_MANAGE,
    Permission.ROLE_ASSIGN,
    Permission.COLLEGE_CONFIGURE,
    Permission.AUDIT_READ,
    Permission.API_KEY_MANAGE,
}
_SUPER_ADMIN = _COLLEGE_ADMIN | {Permission.COLLEGE_CREATE, Permission.SIGNING_KEY_ROTATE}


def _names(permissions: Iterable[str]) -> frozenset[str]:
    # Plain strings: tokens and JSON carry the names, not the enum.
    return frozenset(str(p) for p in permissions)


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.STUDENT: _names(_STUDENT),
    Role.TEACHING_ASSISTANT: _names(_TEACHING_ASSISTANT),
    Role.INSTRUCTOR: _names(_INSTRUCTOR),
    Role.COLLEGE_ADMIN: _names(_COLLEGE_ADMIN),
    Role.SUPER_ADMIN: _names(_SUPER_ADMIN),
}

# Every catalogue permission is grantable by some default role (the super admin has them all).
ALL_PERMISSIONS: frozenset[str] = CATALOGUE_PERMISSIONS
assert ROLE_PERMISSIONS[Role.SUPER_ADMIN] == ALL_PERMISSIONS, "super_admin must hold every one"


def permissions_for(roles: Iterable[str]) -> tuple[str, ...]:
    """The union of the roles' permissions, sorted so that tokens are reproducible."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return tuple(sorted(granted))
