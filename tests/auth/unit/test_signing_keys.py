"""Real RS256 tokens from the signer, verified by the platform's ``TokenVerifier`` exactly as
every other service verifies them; key rotation keeps old tokens valid until they expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar

import jwt
import pytest

from lms.auth.adapters.security.jwt_tokens import (
    JwtAccessTokenSigner,
    RsaKeyPairGenerator,
    StoreKeySource,
)
from lms.auth.application.audit import AuditRecorder
from lms.auth.application.keys import (
    CLOCK_SKEW,
    EnsureSigningKey,
    PublishedKeys,
    RevokeSigningKey,
    RotateSigningKey,
)
from lms.auth.application.tokens import TokenPolicy
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.permissions import permissions_for
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from lms_platform.security import StaticKeySource, TokenVerifier
from lms_platform.security.verifier import InvalidToken
from tests.auth.unit.conftest import SUPER_ADMIN
from tests.auth.unit.fakes import T0, FakeKeyStore, FakeUnitOfWork, FixedClock, SequentialIds

UseCase = TypeVar("UseCase", EnsureSigningKey, PublishedKeys)
PASSPHRASE = "unit-test-key-encryption-key"


class Keys:
    def __init__(self) -> None:
        self.store = FakeKeyStore()
        # Near real time, as the verifier checks ``iat``/``exp`` against the wall clock; early
        # enough that a test can move it forward a few minutes and stay in the past.
        self.clock = FixedClock(datetime.now(UTC) - timedelta(minutes=5))
        self.ids = SequentialIds()
        self.uow = FakeUnitOfWork()
        self.policy = TokenPolicy()
        self.generator = RsaKeyPairGenerator(passphrase=PASSPHRASE)
        self.signer = JwtAccessTokenSigner(
            self.store,
            self.clock,
            passphrase=PASSPHRASE,
            issuer="lms-auth",
            audience="lms",
            access_ttl=self.policy.access_ttl,
            refresh_seconds=0.0,
        )

    def use_case(self, kind: type[UseCase]) -> UseCase:
        return kind(self.store, self.generator, self.clock, self.ids, self.policy)

    def rotate(self) -> RotateSigningKey:
        audit = AuditRecorder(self.uow, self.clock, self.ids)
        return RotateSigningKey(
            self.store, self.generator, self.clock, self.ids, self.policy, self.uow, audit
        )

    async def jwks_verifier(self) -> TokenVerifier:
        jwks = {"keys": await self.use_case(PublishedKeys)()}
        return TokenVerifier(StaticKeySource(jwks), issuer="lms-auth", audience="lms")

    async def sign(self) -> str:
        roles = [Role.INSTRUCTOR.value]
        signed = await self.signer.sign(
            {
                "sub": "acc-1",
                "college": "col-1",
                "roles": roles,
                "perms": list(permissions_for(roles)),
            }
        )
        return signed.token


@pytest.fixture()
def keys() -> Keys:
    return Keys()


async def test_signed_tokens_verify_with_the_platform_verifier(keys: Keys) -> None:
    first = await keys.use_case(EnsureSigningKey)()
    assert await keys.use_case(EnsureSigningKey)() == first  # idempotent at every start
    token = await keys.sign()
    principal = await (await keys.jwks_verifier()).verify(token)
    assert (principal.user_id, principal.tenant_id) == ("acc-1", "col-1")
    assert principal.roles == {"instructor"}
    assert principal.has_permission("course:create")
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["kid"]) == ("RS256", first.kid)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {"sub", "college", "roles", "perms", "iss", "aud", "iat", "exp", "jti"}
    assert claims["exp"] - claims["iat"] == 900


async def test_private_keys_are_stored_encrypted(keys: Keys) -> None:
    key = await keys.use_case(EnsureSigningKey)()
    assert key.private_key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert "d" not in key.public_jwk  # the private exponent never reaches the JWKS


async def test_rotation_signs_with_the_new_key_and_keeps_the_old_one_published(
    keys: Keys,
) -> None:
    old = await keys.use_case(EnsureSigningKey)()
    old_token = await keys.sign()
    with pytest.raises(PermissionDenied):
        await keys.rotate()(Principal("a", "c", frozenset({Role.COLLEGE_ADMIN})))
    keys.clock.advance(timedelta(minutes=3))
    new = await keys.rotate()(SUPER_ADMIN)
    ahead = keys.policy.key_publish_ahead
    assert new.starts_signing_at == keys.clock.now() + ahead > keys.clock.now()

    # Published at once, signing only later: JWKS pollers learn the key before its tokens.
    assert [k["kid"] for k in await keys.use_case(PublishedKeys)()] == [new.kid, old.kid]
    assert jwt.get_unverified_header(await keys.sign())["kid"] == old.kid
    keys.clock.advance(ahead)
    new_token = await keys.sign()
    assert jwt.get_unverified_header(new_token)["kid"] == new.kid != old.kid

    published = [k["kid"] for k in await keys.use_case(PublishedKeys)()]
    assert published == [new.kid, old.kid]
    verifier = await keys.jwks_verifier()
    assert (await verifier.verify(old_token)).user_id == "acc-1"
    assert (await verifier.verify(new_token)).user_id == "acc-1"
    now = keys.clock.now()
    assert [k.kid for k in await keys.store.list_keys() if k.signs_at(now)] == [new.kid]
    (entry,) = keys.uow.audit_log.table.committed.values()
    assert (entry.action, entry.target_id, entry.details) == (
        AuditAction.SIGNING_KEY_ROTATED,
        new.kid,
        {"retired": [old.kid], "activates_at": new.starts_signing_at.isoformat()},
    )

    # Once every token the old key signed has expired, it leaves the JWKS.
    keys.clock.advance(keys.policy.access_ttl + CLOCK_SKEW - timedelta(seconds=1))
    assert [k["kid"] for k in await keys.use_case(PublishedKeys)()] == [new.kid, old.kid]
    keys.clock.advance(timedelta(seconds=1))
    assert [k["kid"] for k in await keys.use_case(PublishedKeys)()] == [new.kid]
    source = StoreKeySource(keys.store, keys.clock, access_ttl=keys.policy.access_ttl)
    assert await source.get_key(old.kid) is None
    assert await source.get_key(new.kid) is not None
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await (await keys.jwks_verifier()).verify(old_token)


def _revoke(keys: Keys) -> RevokeSigningKey:
    audit = AuditRecorder(keys.uow, keys.clock, keys.ids)
    return RevokeSigningKey(
        keys.store, keys.generator, keys.clock, keys.ids, keys.policy, keys.uow, audit
    )


async def test_a_revoked_signing_key_leaves_the_jwks_at_once_and_a_new_key_signs(
    keys: Keys,
) -> None:
    leaked = await keys.use_case(EnsureSigningKey)()
    token = await keys.sign()
    with pytest.raises(PermissionDenied):
        await _revoke(keys)(Principal("a", "c", frozenset({Role.COLLEGE_ADMIN})), leaked.kid)
    with pytest.raises(NotFound):
        await _revoke(keys)(SUPER_ADMIN, "no-such-kid")

    revoked, replacement = await _revoke(keys)(SUPER_ADMIN, leaked.kid)

    assert revoked.kid == leaked.kid and revoked.revoked_at is not None
    assert replacement is not None
    assert [k["kid"] for k in await keys.use_case(PublishedKeys)()] == [replacement.kid]
    with pytest.raises(InvalidToken):
        await (await keys.jwks_verifier()).verify(token)
    keys.signer.forget_key()
    assert jwt.get_unverified_header(await keys.sign())["kid"] == replacement.kid
    (entry,) = keys.uow.audit_log.of(AuditAction.SIGNING_KEY_REVOKED)
    assert (entry.target_id, entry.details) == (leaked.kid, {"replaced_by": replacement.kid})

    # Revoking again changes nothing and logs nothing; a retired key needs no replacement.
    assert (await _revoke(keys)(SUPER_ADMIN, leaked.kid))[1] is None
    assert len(keys.uow.audit_log.of(AuditAction.SIGNING_KEY_REVOKED)) == 1


async def test_revoking_a_key_published_ahead_brings_a_replacement_that_signs_at_once(
    keys: Keys,
) -> None:
    current = await keys.use_case(EnsureSigningKey)()
    pending = await keys.rotate()(SUPER_ADMIN)  # published, signs in key_publish_ahead
    revoked, replacement = await _revoke(keys)(SUPER_ADMIN, pending.kid)

    assert revoked.kid == pending.kid and replacement is not None
    now = keys.clock.now()
    signing = [k.kid for k in await keys.store.list_keys() if k.signs_at(now)]
    assert signing == [replacement.kid]
    published = [k["kid"] for k in await keys.use_case(PublishedKeys)()]
    assert published == [replacement.kid, current.kid]  # current's tokens still verify
    keys.clock.advance(keys.policy.key_publish_ahead * 2)  # nothing else starts signing later
    later = keys.clock.now()
    assert [k.kid for k in await keys.store.list_keys() if k.signs_at(later)] == [replacement.kid]


def test_a_later_retirement_does_not_postpone_an_earlier_one() -> None:
    key = SigningKey(kid="k", public_jwk={}, private_key_pem=b"", created_at=T0)
    assert key.retire(T0 + timedelta(seconds=30))
    assert not key.retire(T0 + timedelta(seconds=60))
    assert key.retire(T0 + timedelta(seconds=10))
    assert key.retired_at == T0 + timedelta(seconds=10)
    assert key.signs_at(T0 + timedelta(seconds=9)) and not key.signs_at(T0 + timedelta(seconds=10))
