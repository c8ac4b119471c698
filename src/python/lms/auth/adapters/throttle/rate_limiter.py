"""Fixed-window rate limits in Redis for public writes (signup, password-reset requests).

One Lua script (INCR, and EXPIRE on the first hit): atomic, and plain commands that Redis 6.2
and 7 both have (``EXPIRE ... NX`` is 7 only)."""

from __future__ import annotations

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms.auth.application.ports import Throttled

_log = structlog.get_logger("lms.auth.rate_limit")


# KEYS: the counter. ARGV: window seconds. Returns {count, ttl seconds}.
_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {count, redis.call('TTL', KEYS[1])}
"""


class RedisRateLimiter:
    def __init__(self, redis: Redis, namespace: str = "auth") -> None:
        self._prefix = f"{namespace}:limit:v1:"
        self._hit = redis.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_seconds: int) -> Throttled | None:
        name = self._prefix + key
        try:
            count, ttl = await self._hit(keys=[name], args=[window_seconds])
        except RedisError as exc:
            # Fail open, as the login throttle does: an outage must not close signup for all.
            _log.warning("rate_limiter_unavailable", error=str(exc))
            return None
        if int(count) > limit:
            return Throttled(max(1, int(ttl)))
        return None
