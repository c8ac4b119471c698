"""RS256 access tokens: key generation, signing with the current key, and a ``KeySource`` so
this service verifies its own tokens straight from the key store (no HTTP to itself)."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from jwt.algorithms import RSAAlgorithm

from lms.auth.application.keys import CLOCK_SKEW
from lms.auth.application.ports import SignedToken, SigningKeyStore
from lms.auth.domain.keys import SigningKey, signing_key
from lms_platform.kernel.ports import Clock


def _encryption(passphrase: str | None) -> serialization.KeySerializationEncryption:
    if passphrase:
        return serialization.BestAvailableEncryption(passphrase.encode())
    return serialization.NoEncryption()


class RsaKeyPairGenerator:
    def __init__(self, *, passphrase: str | None, key_size: int = 2048) -> None:
        self._passphrase = passphrase
        self._key_size = key_size

    def generate(self, kid: str, now: datetime) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=self._key_size)
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
        jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            _encryption(self._passphrase),
        )
        return SigningKey(kid=kid, public_jwk=jwk, private_key_pem=pem, created_at=now)


class JwtAccessTokenSigner:
    """Reads the signing key from the store at most every ``refresh_seconds``, so that a
    rotation made by any process reaches every process within that time."""

    def __init__(
        self,
        store: SigningKeyStore,
        clock: Clock,
        *,
        passphrase: str | None,
        issuer: str,
        audience: str,
        access_ttl: timedelta,
        refresh_seconds: float = 5.0,
    ) -> None:
        self._store, self._clock = store, clock
        self._passphrase = passphrase.encode() if passphrase else None
        self._issuer, self._audience = issuer, audience
        self._ttl = int(access_ttl.total_seconds())
        self._refresh_seconds = refresh_seconds
        self._current: tuple[str, PrivateKeyTypes] | None = None
        self._loaded_at = 0.0

    def forget_key(self) -> None:
        """Next signature re-reads the store (called after a rotation in this process)."""
        self._current = None

    async def _key(self) -> tuple[str, PrivateKeyTypes]:
        if self._current is None or time.monotonic() - self._loaded_at > self._refresh_seconds:
            key = signing_key(await self._store.list_keys(), self._clock.now())
            if key is None:
                raise RuntimeError("no signing key: EnsureSigningKey runs at start-up")
            if self._current is None or self._current[0] != key.kid:
                private = serialization.load_pem_private_key(
                    key.private_key_pem, password=self._passphrase
                )
                self._current = (key.kid, private)
            self._loaded_at = time.monotonic()
        return self._current

    async def sign(self, claims: dict[str, Any]) -> SignedToken:
        kid, private_key = await self._key()
        issued_at = int(self._clock.now().timestamp())
        payload = {
            **claims,
            "iss": self._issuer,
            "aud": self._audience,
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "jti": uuid.uuid4().hex,
        }
        token = jwt.encode(payload, private_key, algorithm="RS256", headers={"kid": kid})  # type: ignore[arg-type]
        return SignedToken(token=token, expires_in=self._ttl)


class StoreKeySource:
    """``lms_platform.security.KeySource`` over the key store: published keys only."""

    def __init__(
        self,
        store: SigningKeyStore,
        clock: Clock,
        *,
        access_ttl: timedelta,
        cache_seconds: float = 5.0,
    ) -> None:
        self._store, self._clock = store, clock
        self._lifetime = access_ttl + CLOCK_SKEW
        self._cache_seconds = cache_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at = float("-inf")

    def trusted_until(self) -> float:
        # The verifier serves a cached token until then at most, so a key revoked by any
        # process stops its tokens here within ``cache_seconds``.
        return time.time() + (self._loaded_at + self._cache_seconds - time.monotonic())

    async def get_key(self, kid: str) -> jwt.PyJWK | None:
        age = time.monotonic() - self._loaded_at
        # An unknown kid may be a key rotated in by another process; a burst of forged kids
        # costs at most one store read per second.
        if age > self._cache_seconds or (kid not in self._keys and age > 1.0):
            await self._reload()
        return self._keys.get(kid)

    async def _reload(self) -> None:
        now = self._clock.now()
        self._keys = {
            key.kid: jwt.PyJWK(key.public_jwk)
            for key in await self._store.list_keys()
            if key.is_published(now, self._lifetime)
        }
        self._loaded_at = time.monotonic()
