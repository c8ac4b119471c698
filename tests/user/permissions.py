"""The permissions the auth service's default role mapping puts in tokens, for the ones this
service checks. Tests mint tokens as auth would (services never import each other, so the
table is restated here; auth's own tests cover the mapping itself)."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.roles import Role

_DEFAULTS: dict[str, frozenset[str]] = {
    Role.STUDENT: frozenset({"profile:edit_own"}),
    Role.TEACHING_ASSISTANT: frozenset({"profile:edit_own", "user:read"}),
    Role.INSTRUCTOR: frozenset({"profile:edit_own", "user:read"}),
    Role.COLLEGE_ADMIN: frozenset({"profile:edit_own", "user:read", "user:manage"}),
    Role.SUPER_ADMIN: frozenset({"profile:edit_own", "user:read", "user:manage"}),
}


def default_permissions(roles: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_DEFAULTS.get(role, frozenset()) for role in roles))
