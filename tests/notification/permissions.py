"""The permissions auth's default role mapping puts in tokens, for the ones this service
checks (docs/auth/permissions.md). Tests mint tokens as auth would: services never import each
other, so the table is restated here; auth's own tests cover the mapping itself."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.roles import Role

_DEFAULTS: dict[str, frozenset[str]] = {
    Role.COLLEGE_ADMIN: frozenset({"college:configure"}),
    Role.SUPER_ADMIN: frozenset({"college:configure"}),
}


def default_permissions(roles: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_DEFAULTS.get(role, frozenset()) for role in roles))
