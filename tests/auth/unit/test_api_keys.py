"""API keys on in-memory fakes: scopes and escalation, shown-once secrets, exchange, usage,
rotation overlap, revocation, expiry, tenancy and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import UUID

import pytest

from lms.auth.application.api_keys import (
    ApiKeyHasher,
    CreateApiKey,
    ExchangeApiKey,
    GetApiKey,
    IssuedApiKey,
    ListApiKeys,
    NewApiKey,
    RevokeApiKey,
    RotateApiKey,
)
from lms.auth.application.errors import InvalidCredentials
from lms.auth.domain.api_keys import ApiKeyStatus, format_key, parse_key
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.model import College
from lms.auth.domain.permissions import ROLE_PERMISSIONS
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.pagination import PageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import SUPER_ADMIN, Auth

ADMIN_ID = UUID(int=0xADA)


def admin_of(college: College) -> Principal:
    return Principal(
        str(ADMIN_ID),
        college.tenant_id,
        frozenset({Role.COLLEGE_ADMIN}),
        ROLE_PERMISSIONS[Role.COLLEGE_ADMIN],
    )


class Keys:
    def __init__(self, auth: Auth) -> None:
        self.auth = auth
        self.hasher = ApiKeyHasher("pepper")
        args = (auth.uow, auth.clock, auth.ids, self.hasher, auth.audit)
        self.create = CreateApiKey(*args)
        self.rotate = RotateApiKey(*args)
        self.revoke = RevokeApiKey(*args)
        self.get = GetApiKey(*args)
        self.list = ListApiKeys(*args)
        self.exchange = ExchangeApiKey(auth.uow, auth.clock, self.hasher, auth.signer)

    async def new(
        self, college: College, scopes: tuple[str, ...] = ("course:read",), **options: object
    ) -> IssuedApiKey:
        fields: dict[str, object] = {"name": "LTI bridge", **options}
        return await self.create(
            admin_of(college),
            NewApiKey(college_id=college.id, scopes=scopes, **fields),  # type: ignore[arg-type]
        )

    def audited(self, action: AuditAction) -> int:
        return self.auth.uow.audit_log.actions().count(action)


@pytest.fixture
def keys(auth: Auth) -> Keys:
    return Keys(auth)


def test_a_presented_key_parses_back_and_garbage_does_not() -> None:
    key_id = UUID(int=7)
    assert parse_key(format_key(key_id, "abc_def")) == (key_id, "abc_def")
    for garbage in ("", "lmsk_", "lmsk_zz_secret", "bearer x", f"lmsk_{key_id.hex}", "x" * 500):
        assert parse_key(garbage) is None


async def test_create_shows_the_secret_once_and_stores_only_a_keyed_hash(
    auth: Auth, keys: Keys
) -> None:
    college = await auth.college()
    issued = await keys.new(college, ("course:read", "assignment:read"), name="  Moodle  ")
    key = issued.view.key
    assert issued.plaintext.startswith(f"lmsk_{key.id.hex}_")
    secret = issued.plaintext.split("_", 2)[2]
    stored = auth.uow.api_keys.table.committed[key.id]
    assert stored.secret_hash == keys.hasher.hash(secret) != ApiKeyHasher("other").hash(secret)
    assert secret not in repr(stored)
    assert (stored.name, stored.scopes, stored.created_by) == (
        "Moodle",
        ("assignment:read", "course:read"),
        ADMIN_ID,
    )
    assert issued.view.status is ApiKeyStatus.ACTIVE
    assert keys.audited(AuditAction.API_KEY_CREATED) == 1
    (entry,) = (
        e
        for e in auth.uow.audit_log.table.committed.values()
        if e.action is AuditAction.API_KEY_CREATED
    )
    assert (entry.college_id, entry.actor_id, entry.target_id) == (
        college.id,
        ADMIN_ID,
        str(key.id),
    )
    assert secret not in json.dumps(entry.details)


@pytest.mark.parametrize(
    ("scopes", "message"),
    [
        ((), "at least one scope"),
        (("course:fly",), "unknown or ungrantable"),
        (("college:create",), "unknown or ungrantable"),  # platform-only
        (("api_key:manage",), "unknown or ungrantable"),  # keys never mint keys
    ],
)
async def test_bad_scopes_are_refused_and_nothing_is_written(
    auth: Auth, keys: Keys, scopes: tuple[str, ...], message: str
) -> None:
    college = await auth.college()
    commits = auth.uow.commits
    with pytest.raises(InvalidInput, match=message):
        await keys.new(college, scopes)
    assert auth.uow.api_keys.table.visible() == {}
    assert auth.uow.commits == commits


async def test_a_creator_cannot_grant_a_scope_they_do_not_hold(auth: Auth, keys: Keys) -> None:
    college = await auth.college()
    limited = Principal(
        str(ADMIN_ID),
        college.tenant_id,
        frozenset({Role.COLLEGE_ADMIN}),
        frozenset({"api_key:manage", "course:read"}),  # a college that trimmed its admins
    )
    with pytest.raises(InvalidInput, match="do not hold: submission:grade"):
        await keys.create(
            limited,
            NewApiKey(college_id=college.id, name="x", scopes=("course:read", "submission:grade")),
        )
    assert auth.uow.api_keys.table.visible() == {}
    assert keys.audited(AuditAction.API_KEY_CREATED) == 0


async def test_who_may_manage_keys(auth: Auth, keys: Keys) -> None:
    college, other = await auth.college("uni-a"), await auth.college("uni-b")
    new = NewApiKey(college_id=college.id, name="x", scopes=("course:read",))
    instructor = Principal(
        "i", college.tenant_id, frozenset({Role.INSTRUCTOR}), ROLE_PERMISSIONS[Role.INSTRUCTOR]
    )
    with pytest.raises(PermissionDenied):
        await keys.create(instructor, new)
    with pytest.raises(NotFound):
        await keys.create(admin_of(other), new)
    without_permission = Principal("a", college.tenant_id, frozenset({Role.COLLEGE_ADMIN}))
    with pytest.raises(PermissionDenied, match="api_key:manage"):
        await keys.create(without_permission, new)
    a_key = Principal(
        "apikey:1",
        college.tenant_id,
        frozenset({Role.COLLEGE_ADMIN}),
        frozenset({"api_key:manage"}),
    )
    with pytest.raises(PermissionDenied, match="API key cannot"):
        await keys.create(a_key, new)
    assert (await keys.create(SUPER_ADMIN, new)).view.key.created_by is None  # "root" is no UUID
    with pytest.raises(NotFound, match="college"):
        await keys.create(
            SUPER_ADMIN, NewApiKey(college_id=UUID(int=999), name="x", scopes=("course:read",))
        )


async def test_exchange_signs_a_token_with_the_scopes_and_counts_the_use(
    auth: Auth, keys: Keys
) -> None:
    college = await auth.college()
    issued = await keys.new(college, ("course:read", "user:read"))
    token = await keys.exchange(issued.plaintext)
    assert token.scopes == ("course:read", "user:read")
    key_id = issued.view.key.id
    assert auth.signer.signed[-1] == {
        "sub": f"apikey:{key_id}",
        "college": str(college.id),
        "roles": [],
        "perms": ["course:read", "user:read"],
        "kind": "api_key",
    }
    auth.clock.advance(timedelta(minutes=5))
    await keys.exchange(issued.plaintext)
    stored = auth.uow.api_keys.table.committed[key_id]
    assert (stored.usage_count, stored.last_used_at) == (2, auth.clock.now())


async def test_every_refusal_is_the_same_invalid_credentials(auth: Auth, keys: Keys) -> None:
    college = await auth.college()
    issued = await keys.new(college)
    key_id = issued.view.key.id
    wrong_secret = format_key(key_id, "0" * 64)
    unknown_id = format_key(UUID(int=12345), issued.plaintext.split("_", 2)[2])
    for presented in (wrong_secret, unknown_id, "lmsk_nonsense", ""):
        with pytest.raises(InvalidCredentials) as refused:
            await keys.exchange(presented)
        assert refused.value.detail == "invalid credentials"
    assert auth.uow.api_keys.table.committed[key_id].usage_count == 0
    assert auth.signer.signed == []


async def test_rotation_keeps_the_old_secret_for_the_overlap_only(auth: Auth, keys: Keys) -> None:
    college = await auth.college()
    first = await keys.new(college)
    rotated = await keys.rotate(admin_of(college), first.view.key.id, timedelta(hours=1))
    assert rotated.plaintext != first.plaintext
    assert rotated.view.key.previous_valid_until == auth.clock.now() + timedelta(hours=1)
    assert keys.audited(AuditAction.API_KEY_ROTATED) == 1

    auth.clock.advance(timedelta(minutes=59))
    await keys.exchange(first.plaintext)
    await keys.exchange(rotated.plaintext)
    auth.clock.advance(timedelta(minutes=1))
    with pytest.raises(InvalidCredentials):
        await keys.exchange(first.plaintext)
    await keys.exchange(rotated.plaintext)
    assert auth.uow.api_keys.table.committed[first.view.key.id].usage_count == 3


async def test_a_second_rotation_drops_the_oldest_secret_at_once(auth: Auth, keys: Keys) -> None:
    college = await auth.college()
    first = await keys.new(college)
    key_id = first.view.key.id
    second = await keys.rotate(admin_of(college), key_id, timedelta(days=1))
    third = await keys.rotate(admin_of(college), key_id, timedelta(days=1))
    with pytest.raises(InvalidCredentials):
        await keys.exchange(first.plaintext)
    await keys.exchange(second.plaintext)
    await keys.exchange(third.plaintext)


@pytest.mark.parametrize("overlap", [timedelta(seconds=-1), timedelta(days=7, seconds=1)])
async def test_an_overlap_out_of_bounds_is_refused(
    auth: Auth, keys: Keys, overlap: timedelta
) -> None:
    college = await auth.college()
    issued = await keys.new(college)
    with pytest.raises(InvalidInput, match="overlap"):
        await keys.rotate(admin_of(college), issued.view.key.id, overlap)
    assert keys.audited(AuditAction.API_KEY_ROTATED) == 0
    await keys.exchange(issued.plaintext)  # the secret did not change


async def test_revocation_stops_every_secret_and_is_audited_once(auth: Auth, keys: Keys) -> None:
    college = await auth.college()
    first = await keys.new(college)
    key_id = first.view.key.id
    second = await keys.rotate(admin_of(college), key_id, timedelta(days=1))
    view = await keys.revoke(admin_of(college), key_id)
    assert view.status is ApiKeyStatus.REVOKED
    for presented in (first.plaintext, second.plaintext):
        with pytest.raises(InvalidCredentials):
            await keys.exchange(presented)
    await keys.revoke(admin_of(college), key_id)
    assert keys.audited(AuditAction.API_KEY_REVOKED) == 1
    with pytest.raises(Conflict, match="revoked"):
        await keys.rotate(admin_of(college), key_id, timedelta(0))


async def test_expired_keys_are_refused(auth: Auth, keys: Keys) -> None:
    college = await auth.college()
    with pytest.raises(InvalidInput, match="future"):
        await keys.new(college, expires_at=auth.clock.now())
    issued = await keys.new(college, expires_at=auth.clock.now() + timedelta(days=30))
    await keys.exchange(issued.plaintext)
    auth.clock.advance(timedelta(days=30))
    with pytest.raises(InvalidCredentials):
        await keys.exchange(issued.plaintext)
    view = await keys.get(admin_of(college), issued.view.key.id)
    assert view.status is ApiKeyStatus.EXPIRED


async def test_list_and_get_stay_inside_the_college(auth: Auth, keys: Keys) -> None:
    college, other = await auth.college("uni-a"), await auth.college("uni-b")
    first = await keys.new(college)
    auth.clock.advance(timedelta(seconds=1))
    second = await keys.new(college)
    await keys.revoke(admin_of(college), first.view.key.id)
    theirs = await keys.new(other)

    page = await keys.list(admin_of(college), college.id, None, PageRequest(limit=10))
    assert [v.key.id for v in page.items] == [second.view.key.id, first.view.key.id]
    revoked = await keys.list(admin_of(college), college.id, ApiKeyStatus.REVOKED, PageRequest())
    assert [v.key.id for v in revoked.items] == [first.view.key.id]
    with pytest.raises(NotFound):
        await keys.get(admin_of(college), theirs.view.key.id)
    with pytest.raises(NotFound):
        await keys.revoke(admin_of(college), theirs.view.key.id)
    with pytest.raises(NotFound):
        await keys.list(admin_of(college), other.id, None, PageRequest())
    await keys.exchange(theirs.plaintext)  # untouched
