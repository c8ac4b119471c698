"""A clock that stands still, ids that count, and a key store in a dict."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

from lms.auth.domain.keys import SigningKey
from tests.auth.unit.fakes.tables import copy

T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


class FixedClock:
    def __init__(self, now: datetime = T0) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class SequentialIds:
    def __init__(self) -> None:
        self._next = 1

    def new_id(self) -> UUID:
        value = uuid.UUID(int=self._next)
        self._next += 1
        return value


class FakeKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, SigningKey] = {}

    async def list_keys(self) -> list[SigningKey]:
        return [copy(key) for key in self.keys.values()]

    async def add(self, key: SigningKey) -> None:
        self.keys[key.kid] = copy(key)

    async def retire(self, kid: str, now: datetime) -> None:
        self.keys[kid].retire(now)

    async def revoke(self, kid: str, now: datetime) -> bool:
        return kid in self.keys and self.keys[kid].revoke(now)
