"""Emailed single-use tokens and the rate limiter of public writes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID

from lms.auth.application.ports import Throttled
from lms.auth.domain.credentials import CredentialToken, QueuedPasswordReset, TokenPurpose
from tests.auth.unit.fakes.tables import DELETED, ById, copy


class FakeCredentialTokens(ById[CredentialToken]):
    async def consume(
        self, token_hash: str, purpose: TokenPurpose, now: datetime
    ) -> CredentialToken | None:
        for token in self.items():
            if token.token_hash == token_hash and token.purpose is purpose:
                if not token.is_usable(now):
                    return None
                spent = dataclasses.replace(token, used_at=now)
                self.table.pending[token.id] = spent
                return copy(spent)
        return None

    async def void_for_account(self, account_id: UUID, purpose: TokenPurpose, now: datetime) -> int:
        voided = [
            t
            for t in self.items()
            if t.account_id == account_id and t.purpose is purpose and t.used_at is None
        ]
        for token in voided:
            self.table.pending[token.id] = dataclasses.replace(token, used_at=now)
        return len(voided)


class FakeResetQueue(ById[QueuedPasswordReset]):
    async def claim_next(self) -> QueuedPasswordReset | None:
        return min(self.items(), key=lambda r: (r.requested_at, r.id), default=None)

    async def remove(self, request_id: UUID) -> None:
        self.table.pending[request_id] = DELETED


class FakeResetSignal:
    def __init__(self) -> None:
        self.signals = 0

    def request_queued(self) -> None:
        self.signals += 1


class FakeRateLimiter:
    """Counts per key; no windows: tests advance nothing, they hit the limit."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def hit(self, key: str, limit: int, window_seconds: int) -> Throttled | None:
        self.counts[key] = self.counts.get(key, 0) + 1
        return Throttled(window_seconds) if self.counts[key] > limit else None
