"""Signing-key lifecycle: a key at first start, rotation, and the published set (the JWKS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from lms.auth.application.audit import AuditRecorder, college_of
from lms.auth.application.authorization import ensure_super_admin
from lms.auth.application.ports import AuditUnitOfWork, KeyPairGenerator, SigningKeyStore
from lms.auth.application.tokens import TokenPolicy
from lms.auth.domain.audit import AuditAction
from lms.auth.domain.keys import SigningKey, signing_key
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

# Verifiers may run slightly behind our clock; a retired key stays published this much longer.
CLOCK_SKEW = timedelta(minutes=1)


class _KeyUseCase:
    def __init__(
        self,
        store: SigningKeyStore,
        generator: KeyPairGenerator,
        clock: Clock,
        ids: IdGenerator,
        policy: TokenPolicy,
    ) -> None:
        self._store, self._generator, self._clock, self._ids = store, generator, clock, ids
        self._policy = policy

    def _new_key(self) -> SigningKey:
        return self._generator.generate(self._ids.new_id().hex, self._clock.now())


class EnsureSigningKey(_KeyUseCase):
    """Run at start-up: a fresh deployment generates its first key (never from the repo)."""

    async def __call__(self) -> SigningKey:
        current = signing_key(await self._store.list_keys(), self._clock.now())
        if current is not None:
            return current
        key = self._new_key()
        await self._store.add(key)
        return key


class _AuditedKeyUseCase(_KeyUseCase):
    """Key changes by an operator: each leaves an audit entry in the request's transaction (the
    key store commits on its own)."""

    def __init__(
        self,
        store: SigningKeyStore,
        generator: KeyPairGenerator,
        clock: Clock,
        ids: IdGenerator,
        policy: TokenPolicy,
        uow: AuditUnitOfWork,
        audit: AuditRecorder,
    ) -> None:
        super().__init__(store, generator, clock, ids, policy)
        self._uow, self._audit = uow, audit


class RotateSigningKey(_AuditedKeyUseCase):
    """The new key is published at once and signs after ``policy.key_publish_ahead`` (verifiers
    that poll the JWKS learn it first); then the old ones stop signing and stay published until
    their tokens expire."""

    async def __call__(self, principal: Principal) -> SigningKey:
        ensure_super_admin(principal)
        now = self._clock.now()
        previous = [key for key in await self._store.list_keys() if key.will_sign(now)]
        key = self._new_key()
        key.activates_at = now + self._policy.key_publish_ahead
        await self._store.add(key)
        for old in previous:
            await self._store.retire(old.kid, key.activates_at)
        self._audit.record(
            AuditAction.SIGNING_KEY_ROTATED,
            college_id=college_of(principal),
            actor=principal,
            target_type="signing_key",
            target_id=key.kid,
            details={
                "retired": [old.kid for old in previous],
                "activates_at": key.activates_at.isoformat(),
            },
        )
        await self._uow.commit()
        return key


class RevokeSigningKey(_AuditedKeyUseCase):
    """For a key that may have leaked: it leaves the JWKS at once, so tokens it signed stop
    verifying as soon as verifiers refresh their key sets (tokens signed after the leak by
    whoever holds it, too). If it was the signing key, a new one takes over first, so logins
    go on (at once: no publishing ahead in an emergency). Every user signed in with it has to
    log in again once their access token fails."""

    async def __call__(
        self, principal: Principal, kid: str
    ) -> tuple[SigningKey, SigningKey | None]:
        ensure_super_admin(principal)
        keys = {key.kid: key for key in await self._store.list_keys()}
        revoked = keys.get(kid)
        if revoked is None:
            raise NotFound("signing key not found")
        now = self._clock.now()
        replacement: SigningKey | None = None
        if revoked.will_sign(now):
            # It signs, or was about to: the others were set to retire when it took over.
            replacement = self._new_key()
            await self._store.add(replacement)
            for other in keys.values():
                if other.kid != kid and other.will_sign(now):
                    await self._store.retire(other.kid, now)
        if not await self._store.revoke(kid, now):
            return revoked, replacement  # already revoked: nothing new to log
        revoked.revoke(now)
        self._audit.record(
            AuditAction.SIGNING_KEY_REVOKED,
            college_id=college_of(principal),
            actor=principal,
            target_type="signing_key",
            target_id=kid,
            details={"replaced_by": replacement.kid if replacement else None},
        )
        await self._uow.commit()
        return revoked, replacement


class PublishedKeys(_KeyUseCase):
    async def __call__(self) -> list[dict[str, Any]]:
        now = self._clock.now()
        lifetime = self._policy.access_ttl + CLOCK_SKEW
        keys = sorted(
            await self._store.list_keys(), key=lambda k: (k.created_at, k.kid), reverse=True
        )
        return [dict(key.public_jwk) for key in keys if key.is_published(now, lifetime)]
