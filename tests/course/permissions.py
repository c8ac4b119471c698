"""The permissions auth's default role mapping puts in tokens, for the ones this service
checks. Tests mint tokens as auth would (services never import each other, so the table is
restated here; auth's own tests cover the mapping itself)."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.roles import Role

_MEMBER = frozenset({"course:read"})
_INSTRUCTOR = _MEMBER | {"course:create", "course:update", "enrollment:manage"}
_ADMIN = _INSTRUCTOR | {"course:delete", "course:manage", "roster:import", "enrollment:sync"}

_DEFAULTS: dict[str, frozenset[str]] = {
    Role.STUDENT: _MEMBER,
    Role.TEACHING_ASSISTANT: _MEMBER,
    Role.INSTRUCTOR: _INSTRUCTOR,
    Role.COLLEGE_ADMIN: _ADMIN,
    Role.SUPER_ADMIN: _ADMIN,
}


def default_permissions(roles: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_DEFAULTS.get(role, frozenset()) for role in roles))
