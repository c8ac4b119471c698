"""The permission catalogue: every permission a token may carry, once for the whole platform.

Auth's default role mapping grants these; every service's guards check them by these constants
(``principal.has_permission(Permission.USER_READ)``, ``require_permissions(...)``).
tests/architecture/test_permission_catalogue.py fails when source code names a permission that
is not here, so a new service adds its permissions to this file first.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Permission(StrEnum):
    COURSE_READ = "course:read"
    COURSE_CREATE = "course:create"
    COURSE_UPDATE = "course:update"
    COURSE_DELETE = "course:delete"
    COURSE_MANAGE = "course:manage"
    ROSTER_IMPORT = "roster:import"
    ENROLLMENT_SYNC = "enrollment:sync"
    ASSIGNMENT_READ = "assignment:read"
    ASSIGNMENT_CREATE = "assignment:create"
    ASSIGNMENT_UPDATE = "assignment:update"
    SUBMISSION_CREATE = "submission:create"
    SUBMISSION_READ_OWN = "submission:read_own"
    SUBMISSION_READ = "submission:read"
    SUBMISSION_GRADE = "submission:grade"
    ENROLLMENT_MANAGE = "enrollment:manage"
    NOTE_WRITE = "note:write"
    CHAT_PARTICIPATE = "chat:participate"
    PROFILE_EDIT_OWN = "profile:edit_own"
    USER_READ = "user:read"
    USER_MANAGE = "user:manage"
    ACCOUNT_MANAGE = "account:manage"
    ROLE_ASSIGN = "role:assign"
    COLLEGE_CONFIGURE = "college:configure"
    AUDIT_READ = "audit:read"
    API_KEY_MANAGE = "api_key:manage"
    COLLEGE_CREATE = "college:create"
    SIGNING_KEY_ROTATE = "signing_key:rotate"


@dataclass(frozen=True, slots=True)
class PermissionInfo:
    name: Permission
    description: str
    # Granted only through super_admin: never to a college role, never to an API key.
    platform_only: bool = False


_P = Permission
CATALOGUE: tuple[PermissionInfo, ...] = (
    PermissionInfo(_P.COURSE_READ, "See the courses one is enrolled in or teaches"),
    PermissionInfo(_P.COURSE_CREATE, "Create courses"),
    PermissionInfo(_P.COURSE_UPDATE, "Edit courses one teaches"),
    PermissionInfo(_P.COURSE_DELETE, "Delete courses of the college"),
    PermissionInfo(
        _P.COURSE_MANAGE,
        "Manage every course, term, batch, section and enrollment of the college",
    ),
    PermissionInfo(
        _P.ROSTER_IMPORT,
        "Import OneRoster bundles (courses, classes, enrollments) into the college",
    ),
    PermissionInfo(
        _P.ENROLLMENT_SYNC,
        "Read every enrollment change of the college (the snapshot feed; for service keys)",
    ),
    PermissionInfo(_P.ASSIGNMENT_READ, "See assignments of one's courses"),
    PermissionInfo(_P.ASSIGNMENT_CREATE, "Create assignments"),
    PermissionInfo(_P.ASSIGNMENT_UPDATE, "Edit assignments"),
    PermissionInfo(_P.SUBMISSION_CREATE, "Submit work"),
    PermissionInfo(_P.SUBMISSION_READ_OWN, "See one's own submissions and grades"),
    PermissionInfo(_P.SUBMISSION_READ, "See every submission of one's courses"),
    PermissionInfo(_P.SUBMISSION_GRADE, "Grade submissions"),
    PermissionInfo(_P.ENROLLMENT_MANAGE, "Enrol and remove students and staff in courses"),
    PermissionInfo(_P.NOTE_WRITE, "Write notes"),
    PermissionInfo(_P.CHAT_PARTICIPATE, "Join course chats"),
    PermissionInfo(_P.PROFILE_EDIT_OWN, "Edit one's own profile"),
    PermissionInfo(_P.USER_READ, "See other users' profiles in the college"),
    PermissionInfo(_P.USER_MANAGE, "Manage user profiles in the college"),
    PermissionInfo(
        _P.ACCOUNT_MANAGE,
        "Create, change, deactivate and delete accounts; bulk import and export",
    ),
    PermissionInfo(
        _P.ROLE_ASSIGN, "Assign roles and change the college's role → permission mapping"
    ),
    PermissionInfo(
        _P.COLLEGE_CONFIGURE,
        "Change the college's settings and password policy",
    ),
    PermissionInfo(_P.AUDIT_READ, "Read the college's audit log"),
    PermissionInfo(_P.API_KEY_MANAGE, "Create, rotate and revoke the college's API keys"),
    PermissionInfo(
        _P.COLLEGE_CREATE, "Create colleges (platform operators only)", platform_only=True
    ),
    PermissionInfo(
        _P.SIGNING_KEY_ROTATE,
        "Rotate the token-signing keys (platform operators only)",
        platform_only=True,
    ),
)

ALL_PERMISSIONS: frozenset[str] = frozenset(info.name.value for info in CATALOGUE)
PLATFORM_ONLY_PERMISSIONS: frozenset[str] = frozenset(
    info.name.value for info in CATALOGUE if info.platform_only
)
DESCRIPTIONS: dict[str, str] = {info.name.value: info.description for info in CATALOGUE}


def is_permission(name: str) -> bool:
    return name in ALL_PERMISSIONS
