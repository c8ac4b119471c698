"""The permissions auth's default role mapping puts in tokens, for the ones this service
checks. Tests mint tokens as auth would (services never import each other, so the table is
restated here; auth's own tests cover the mapping itself)."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.roles import Role

_STUDENT = frozenset({"assignment:read"})
_TEACHING_ASSISTANT = _STUDENT
_INSTRUCTOR = _STUDENT | {"assignment:create", "assignment:update"}
_COLLEGE_ADMIN = _INSTRUCTOR | {"course:manage"}

_DEFAULTS: dict[str, frozenset[str]] = {
    Role.STUDENT: _STUDENT,
    Role.TEACHING_ASSISTANT: _TEACHING_ASSISTANT,
    Role.INSTRUCTOR: _INSTRUCTOR,
    Role.COLLEGE_ADMIN: _COLLEGE_ADMIN,
    Role.SUPER_ADMIN: _COLLEGE_ADMIN,
}


def default_permissions(roles: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_DEFAULTS.get(role, frozenset()) for role in roles))
