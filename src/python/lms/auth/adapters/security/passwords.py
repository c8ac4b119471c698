"""Password hashing with scrypt from the standard library (OpenSSL).

argon2id is the target (the issue asks for it) but ``argon2-cffi`` is not in the lockfile yet;
this adapter sits behind the ``PasswordHasher`` port, and each hash names its algorithm and
parameters, so an argon2 adapter can verify old hashes and rehash them at the next login.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

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
