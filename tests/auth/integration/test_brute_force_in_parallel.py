"""Defect 2 (issue 8): brute-force protection bypassed by sending the attempts in parallel.

Fifty wrong passwords for one account sent at once must reach the password hasher at most
``LOCKOUT_THRESHOLD`` times, and leave the account locked: every attempt is counted before its
password is checked, atomically, in Redis and in the account row. The hasher is the real
argon2id one, counted by a wrapper swapped in through dishka."""

from __future__ import annotations

import asyncio

import pytest
from dishka import Provider, Scope, provide
from redis.asyncio import Redis

from lms.auth.adapters.security.passwords import Argon2idPasswordHasher, Argon2Parameters
from lms.auth.adapters.throttle.redis_throttle import RedisLoginThrottle
from lms.auth.application.ports import LoginThrottle, PasswordHasher
from lms.auth.application.tokens import TokenPolicy
from tests.auth.integration.conftest import LOCKOUT_THRESHOLD, PASSWORD, RunningAuthService

PARALLEL = 50


class CountingHasher:
    """The real argon2id hasher, counting verifications of real hashes (not the dummy work
    spent on unknown accounts)."""

    def __init__(self) -> None:
        self._inner = Argon2idPasswordHasher(
            Argon2Parameters(time_cost=1, memory_kib=1024, parallelism=1)
        )
        self.verifications = 0

    async def hash(self, password: str) -> str:
        return await self._inner.hash(password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is not None:
            self.verifications += 1
        return await self._inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._inner.needs_rehash(password_hash)


HASHER = CountingHasher()


class CountingHasherProvider(Provider):
    @provide(scope=Scope.APP)
    def hasher(self) -> PasswordHasher:
        return HASHER


class UnreachableRedisThrottle(Provider):
    """The throttle's Redis is gone (or evicted the keys): it fails open, so only the account
    row stands between the attacker and the hasher."""

    @provide(scope=Scope.APP)
    def throttle(self, policy: TokenPolicy) -> LoginThrottle:
        return RedisLoginThrottle(
            Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5),
            policy.lockout,
            ip_limit=1000,
            ip_window_seconds=300,
        )


@pytest.fixture(autouse=True)
def _reset_counter() -> None:
    HASHER.verifications = 0


async def _parallel_wrong_logins(auth_service: RunningAuthService) -> list[int]:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    HASHER.verifications = 0
    answers = await asyncio.gather(
        *(
            auth_service.login("uni-a", "ada@uni-a.edu", f"wrong password {n}")
            for n in range(PARALLEL)
        )
    )
    return [answer.status_code for answer in answers]


@pytest.fixture
def auth_extra_providers() -> list[Provider]:
    return [CountingHasherProvider()]


async def test_brute_force_in_parallel_verifies_at_most_threshold_passwords(
    auth_service: RunningAuthService,
) -> None:
    statuses = await _parallel_wrong_logins(auth_service)
    assert HASHER.verifications <= LOCKOUT_THRESHOLD, statuses
    assert statuses.count(401) <= LOCKOUT_THRESHOLD
    assert statuses.count(429) >= PARALLEL - LOCKOUT_THRESHOLD
    assert set(statuses) <= {401, 429}
    locked = await auth_service.login("uni-a", "ada@uni-a.edu", PASSWORD)
    assert locked.status_code == 429, locked.text  # the right password waits out the lock
    assert HASHER.verifications <= LOCKOUT_THRESHOLD


class TestWithoutRedis:
    @pytest.fixture
    def auth_extra_providers(self) -> list[Provider]:
        return [CountingHasherProvider(), UnreachableRedisThrottle()]

    async def test_brute_force_in_parallel_is_stopped_by_the_account_row(
        self, auth_service: RunningAuthService
    ) -> None:
        statuses = await _parallel_wrong_logins(auth_service)
        assert HASHER.verifications <= LOCKOUT_THRESHOLD, statuses
        failed = await auth_service.scalar(
            "SELECT failed_logins FROM accounts WHERE email = 'ada@uni-a.edu'"
        )
        assert failed == LOCKOUT_THRESHOLD  # counted in SQL: no attempt lost to a collision
        locked = await auth_service.login("uni-a", "ada@uni-a.edu", PASSWORD)
        assert locked.status_code == 429, locked.text
