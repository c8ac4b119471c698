"""Login throttling in Redis, per client address and per (college, email).

The per-identity rule is the account lock-out rule (same threshold, same doubling cool-down),
applied whether or not the account exists, so a 429 tells an attacker nothing. The account
row keeps its own count too, so a Redis restart does not reopen a locked account.
"""

from __future__ import annotations

import hashlib
import math

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms.auth.application.ports import Throttled
from lms.auth.domain.model import LockoutPolicy

_log = structlog.get_logger("lms.auth.throttle")


class RedisLoginThrottle:
    def __init__(
        self,
        redis: Redis,
        policy: LockoutPolicy,
        *,
        ip_limit: int,
        ip_window_seconds: int,
        namespace: str = "auth",
    ) -> None:
        self._redis = redis
        self._policy = policy
        self._ip_limit = ip_limit
        self._ip_window = ip_window_seconds
        self._prefix = f"{namespace}:login:v1:"
        # Failures are forgotten after the longest cool-down has passed without a new one.
        self._memory_seconds = int(policy.max_cooldown.total_seconds()) * 2

    def _ip_key(self, client_ip: str) -> str:
        return f"{self._prefix}ip:{client_ip}"

    def _identity(self, college_slug: str, email: str) -> str:
        # Hashed: the throttle store holds no email addresses.
        digest = hashlib.sha256(f"{college_slug}\0{email}".encode()).hexdigest()[:32]
        return f"{self._prefix}id:{digest}"

    async def check(self, client_ip: str, college_slug: str, email: str) -> Throttled | None:
        identity = self._identity(college_slug, email)
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(self._ip_key(client_ip))
                pipe.ttl(self._ip_key(client_ip))
                pipe.pttl(identity + ":lock")
                ip_failures, ip_ttl, lock_ms = await pipe.execute()
        except RedisError as exc:
            # Fail open: the account row still locks; refusing every login would be worse.
            _log.warning("login_throttle_unavailable", error=str(exc))
            return None
        if lock_ms is not None and lock_ms > 0:
            return Throttled(max(1, math.ceil(lock_ms / 1000)))
        if ip_failures is not None and int(ip_failures) >= self._ip_limit:
            return Throttled(max(1, int(ip_ttl)))
        return None

    async def failed(self, client_ip: str, college_slug: str, email: str) -> None:
        identity = self._identity(college_slug, email)
        ip_key = self._ip_key(client_ip)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(ip_key)
                pipe.expire(ip_key, self._ip_window, nx=True)
                pipe.incr(identity)
                pipe.expire(identity, self._memory_seconds)
                _, _, failures, _ = await pipe.execute()
            cooldown = self._policy.cooldown(int(failures))
            if cooldown is not None:
                await self._redis.set(
                    identity + ":lock", "1", px=int(cooldown.total_seconds() * 1000)
                )
        except RedisError as exc:
            _log.warning("login_throttle_unavailable", error=str(exc))

    async def succeeded(self, client_ip: str, college_slug: str, email: str) -> None:
        identity = self._identity(college_slug, email)
        try:
            await self._redis.delete(identity, identity + ":lock")
        except RedisError as exc:
            _log.warning("login_throttle_unavailable", error=str(exc))
