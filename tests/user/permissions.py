"""The permissions the auth service's default role mapping puts in tokens, for the ones this
service checks. Tests mint tokens as auth would (services never import each other, so the
mapping is restated here, by the catalogue's constants; auth's own tests cover the mapping)."""

from __future__ import annotations

from collections.abc import Iterable

from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.roles import Role

_OWN = frozenset({Permission.PROFILE_EDIT_OWN})
_STAFF = _OWN | {Permission.USER_READ}
_ADMIN = _STAFF | {Permission.USER_MANAGE}
_DEFAULTS: dict[str, frozenset[str]] = {
    Role.STUDENT: frozenset(str(p) for p in _OWN),
    Role.TEACHING_ASSISTANT: frozenset(str(p) for p in _STAFF),
    Role.INSTRUCTOR: frozenset(str(p) for p in _STAFF),
    Role.COLLEGE_ADMIN: frozenset(str(p) for p in _ADMIN),
    Role.SUPER_ADMIN: frozenset(str(p) for p in _ADMIN),
}


def default_permissions(roles: Iterable[str]) -> frozenset[str]:
    return frozenset().union(*(_DEFAULTS.get(role, frozenset()) for role in roles))
