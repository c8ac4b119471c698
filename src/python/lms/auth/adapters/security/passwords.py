"""Password hashing: argon2id for every new hash; scrypt hashes from before still verify.

``Argon2idPasswordHasher`` is the service's hasher. Each stored hash names its algorithm and
parameters, so a hash made with older (or scrypt) parameters keeps verifying, and
``needs_rehash`` tells the login to replace it with one at today's parameters.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_PREFIX = "scrypt"


@dataclass(frozen=True, slots=True)
class ScryptParameters:
    # n=2**15, r=8: 32 MiB and about 50-100 ms per hash on one core here; OWASP's floor is
    # n=2**17 for scrypt alone, which costs 128 MiB a login. Raise it where memory allows.
    n: int = 2**15
    r: int = 8
    p: int = 1
    salt_bytes: int = 16
    hash_bytes: int = 32

    @property
    def maxmem(self) -> int:
        return 2 * 128 * self.r * self.n * self.p + 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class ScryptPasswordHasher:
    def __init__(self, parameters: ScryptParameters | None = None) -> None:
        self._params = parameters or ScryptParameters()
        self._dummy_salt = os.urandom(self._params.salt_bytes)

    def _derive(self, password: str, salt: bytes, params: ScryptParameters) -> bytes:
        return hashlib.scrypt(
            password.encode(),
            salt=salt,
            n=params.n,
            r=params.r,
            p=params.p,
            maxmem=params.maxmem,
            dklen=params.hash_bytes,
        )

    def _hash_sync(self, password: str) -> str:
        params = self._params
        salt = os.urandom(params.salt_bytes)
        digest = self._derive(password, salt, params)
        return f"{_PREFIX}$n={params.n},r={params.r},p={params.p}${_b64(salt)}${_b64(digest)}"

    def _verify_sync(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            self._derive(password, self._dummy_salt, self._params)  # same cost, no answer
            return False
        try:
            prefix, settings, salt_text, digest_text = password_hash.split("$")
            values = dict(item.split("=", 1) for item in settings.split(","))
            params = ScryptParameters(
                n=int(values["n"]),
                r=int(values["r"]),
                p=int(values["p"]),
                hash_bytes=len(_unb64(digest_text)),
            )
        except (ValueError, KeyError):
            return False
        if prefix != _PREFIX:
            return False
        actual = self._derive(password, _unb64(salt_text), params)
        return hmac.compare_digest(actual, _unb64(digest_text))

    async def hash(self, password: str) -> str:
        # OpenSSL releases the GIL while hashing: the event loop keeps serving meanwhile.
        return await asyncio.to_thread(self._hash_sync, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify_sync, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(
            f"{_PREFIX}$n={self._params.n},r={self._params.r},p={self._params.p}$"
        )


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """OWASP's first argon2id configuration: 19 MiB, 2 passes, 1 lane. About 45-70 ms per
    hash on one core here; memory is the cost that hurts GPU and ASIC attackers most, and
    19 MiB keeps a burst of 50 concurrent logins under 1 GiB."""

    time_cost: int = 2
    memory_kib: int = 19 * 1024
    parallelism: int = 1
    salt_bytes: int = 16
    hash_bytes: int = 32


_ARGON2_PREFIX = "$argon2id$"


class Argon2idPasswordHasher:
    """argon2id (RFC 9106) through argon2-cffi; cffi drops the GIL, so ``to_thread`` gives
    real parallelism and the event loop keeps serving while a hash runs."""

    def __init__(
        self, parameters: Argon2Parameters | None = None, legacy: ScryptPasswordHasher | None = None
    ) -> None:
        params = parameters or Argon2Parameters()
        self._hasher = argon2.PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=params.hash_bytes,
            salt_len=params.salt_bytes,
            type=argon2.Type.ID,
        )
        # Verifies hashes stored before argon2id; never makes new ones.
        self._legacy = legacy or ScryptPasswordHasher()
        self._dummy_hash: str | None = None

    def _hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    def _dummy(self) -> str:
        # Made on first use (it costs one hash): verifying against it takes what a real
        # account's verification takes, at the current parameters.
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(os.urandom(16).hex())
        return self._dummy_hash

    def _verify_sync(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            with contextlib.suppress(VerificationError, InvalidHashError):
                self._hasher.verify(self._dummy(), password)
            return False
        if password_hash.startswith(f"{_PREFIX}$"):
            return self._legacy._verify_sync(password_hash, password)
        if not password_hash.startswith(_ARGON2_PREFIX):
            return False
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash_sync, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify_sync, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True for scrypt hashes and argon2id hashes made with other parameters."""
        if not password_hash.startswith(_ARGON2_PREFIX):
            return True
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True
