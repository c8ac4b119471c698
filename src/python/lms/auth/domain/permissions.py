"""The default role → permission table. Tokens carry the permissions, so other services check
``principal.has_permission(...)`` without calling this service."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.roles import Role

_STUDENT = frozenset(
    {
        "course:read",
        "assignment:read",
        "submission:create",
        "submission:read_own",
        "note:write",
        "chat:participate",
        "profile:edit_own",
    }
)
_TEACHING_ASSISTANT = _STUDENT | {"submission:read", "submission:grade", "user:read"}
_INSTRUCTOR = _TEACHING_ASSISTANT | {
    "course:create",
    "course:update",
    "assignment:create",
    "assignment:update",
    "enrollment:manage",
}
_COLLEGE_ADMIN = _INSTRUCTOR | {
    "course:delete",
    "user:manage",
    "account:manage",
    "role:assign",
    "college:configure",
    "audit:read",
    "api_key:manage",
}
_SUPER_ADMIN = _COLLEGE_ADMIN | {"college:create", "signing_key:rotate"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.STUDENT: _STUDENT,
    Role.TEACHING_ASSISTANT: frozenset(_TEACHING_ASSISTANT),
    Role.INSTRUCTOR: frozenset(_INSTRUCTOR),
    Role.COLLEGE_ADMIN: frozenset(_COLLEGE_ADMIN),
    Role.SUPER_ADMIN: frozenset(_SUPER_ADMIN),
}

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*ROLE_PERMISSIONS.values())


def permissions_for(roles: Iterable[str]) -> tuple[str, ...]:
    """The union of the roles' permissions, sorted so that tokens are reproducible."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return tuple(sorted(granted))
