"""Refresh tokens, and the hasher, signer and login throttle of the token flow."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from lms.auth.application.ports import SignedToken, Throttled
from lms.auth.domain.model import LockoutPolicy, RefreshToken
from tests.auth.unit.fakes.basics import FixedClock
from tests.auth.unit.fakes.tables import ById, copy


class FakeRefreshTokens(ById[RefreshToken]):
    async def claim(self, token_id: UUID, now: datetime) -> bool:
        token = copy(self.table.visible()[token_id])
        if token.used_at is not None or token.revoked_at is not None:
            return False
        token.used_at = now
        self.table.pending[token_id] = token
        return True

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        return self._revoke(lambda t: t.family_id == family_id, now)

    async def revoke_for_account(self, account_id: UUID, now: datetime) -> int:
        return self._revoke(lambda t: t.account_id == account_id, now)

    async def revoke_for_account_except(
        self, account_id: UUID, keep_family_id: UUID, now: datetime
    ) -> int:
        return self._revoke(
            lambda t: t.account_id == account_id and t.family_id != keep_family_id, now
        )

    def _revoke(self, selected: Callable[[RefreshToken], bool], now: datetime) -> int:
        chosen = [t for t in self.items() if selected(t) and t.revoked_at is None]
        for token in chosen:
            changed = copy(token)
            changed.revoke(now)
            self.table.pending[token.id] = changed
        return len(chosen)

    def all(self) -> list[RefreshToken]:
        return list(self.table.committed.values())


class FakeHasher:
    """Deterministic and fast; counts calls so tests can prove equal work for unknown users."""

    def __init__(self) -> None:
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return "fake$" + hashlib.sha256(password.encode()).hexdigest()

    async def verify(self, password_hash: str | None, password: str) -> bool:
        self.verifications += 1
        expected = await self.hash(password)
        return password_hash is not None and hmac.compare_digest(password_hash, expected)

    def needs_rehash(self, password_hash: str) -> bool:
        # "old$..." stands for a hash from an earlier algorithm (scrypt) in tests.
        return not password_hash.startswith("fake$")


class FakeSigner:
    """Not a JWT: the claims in clear, so tests can read what would be signed."""

    def __init__(self) -> None:
        self.signed: list[dict[str, Any]] = []

    async def sign(self, claims: dict[str, Any]) -> SignedToken:
        self.signed.append(claims)
        return SignedToken(token="fake." + json.dumps(claims, sort_keys=True), expires_in=900)

    def forget_key(self) -> None:
        """Nothing cached."""


class FakeThrottle:
    """Counts attempts before the check, per (college, email) with the accounts' lock-out rule,
    and per IP up to a cap; a success clears the identity and gives the IP its attempt back."""

    def __init__(
        self, clock: FixedClock, policy: LockoutPolicy | None = None, ip_limit: int = 1000
    ) -> None:
        self._clock = clock
        self._policy = policy or LockoutPolicy()
        self._ip_limit = ip_limit
        self.by_identity: dict[tuple[str, str], tuple[int, datetime | None]] = {}
        self.by_ip: dict[str, int] = {}

    async def attempt(self, client_ip: str, college_slug: str, email: str) -> Throttled | None:
        if self.by_ip.get(client_ip, 0) >= self._ip_limit:
            return Throttled(60)
        failures, until = self.by_identity.get((college_slug, email), (0, None))
        now = self._clock.now()
        if until is not None and until > now:
            return Throttled(int((until - now).total_seconds()))
        self.by_ip[client_ip] = self.by_ip.get(client_ip, 0) + 1
        cooldown = self._policy.cooldown(failures + 1)
        self.by_identity[(college_slug, email)] = (
            failures + 1,
            now + cooldown if cooldown else None,
        )
        return None

    async def failed(self, client_ip: str, college_slug: str, email: str) -> None:
        failures, until = self.by_identity.get((college_slug, email), (0, None))
        cooldown = self._policy.cooldown(failures)
        if cooldown is not None:
            self.by_identity[(college_slug, email)] = (failures, self._clock.now() + cooldown)

    async def succeeded(self, client_ip: str, college_slug: str, email: str) -> None:
        self.by_identity.pop((college_slug, email), None)
        self.by_ip[client_ip] = max(0, self.by_ip.get(client_ip, 0) - 1)
