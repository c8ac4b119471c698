"""Fixed-window rate limits in Redis for public writes (signup, password-reset requests)."""

from __future__ import annotations

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms.auth.application.ports import Throttled

_log = structlog.get_logger("lms.auth.rate_limit")


class RedisRateLimiter:
    def __init__(self, redis: Redis, namespace: str = "auth") -> None:
        self._redis = redis
        self._prefix = f"{namespace}:limit:v1:"

    async def hit(self, key: str, limit: int, window_seconds: int) -> Throttled | None:
        name = self._prefix + key
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
        except RedisError as exc:
            # Fail open, as the login throttle does: an outage must not close signup for all.
            _log.warning("rate_limiter_unavailable", error=str(exc))
            return None
        if int(count) > limit:
            return Throttled(max(1, int(ttl)))
        return None
