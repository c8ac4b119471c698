"""Login throttling in Redis, per client address and per (college, email).

Every attempt is counted BEFORE its password is checked, in one Lua script, so attempts sent in
parallel cannot all slip in while the first ones are still hashing: the attempt that reaches
the lock-out threshold sets the lock itself, and every attempt after it is refused unchecked
until the cool-down ends. A correct password clears the count. The per-identity rule is the
account lock-out rule (same threshold, same doubling cool-down), applied whether or not the
account exists, so a 429 tells an attacker nothing. The account row counts too (in SQL), so a
Redis that restarted or lost its keys does not reopen a locked account.

Plain commands only (GET, INCR, EXPIRE, PTTL, SET PX): Redis 6.2 and 7 alike.
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

# KEYS: identity count, identity lock, address count.
# ARGV: threshold, base cool-down ms, max cool-down ms, identity memory s, address limit,
#       address window s.  Returns {1, count} when admitted, {0, retry-after ms} when refused.
_ATTEMPT = """
local lock_ms = redis.call('PTTL', KEYS[2])
if lock_ms > 0 then return {0, lock_ms} end
local from_address = tonumber(redis.call('GET', KEYS[3]) or '0')
if from_address >= tonumber(ARGV[5]) then
  local ttl = redis.call('PTTL', KEYS[3])
  if ttl < 1 then ttl = 1000 end
  return {0, ttl}
end
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if redis.call('INCR', KEYS[3]) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[6]) end
local threshold = tonumber(ARGV[1])
if count >= threshold then
  local doubled = tonumber(ARGV[2]) * (2 ^ math.min(count - threshold, 20))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(math.min(doubled, tonumber(ARGV[3]))))
end
return {1, count}
"""

# KEYS: identity count, identity lock. ARGV: threshold, base ms, max ms. After a failed check
# the cool-down restarts from now: the provisional lock set before the check (to hold back
# parallel attempts) would otherwise be shorter by the time the check took.
_FAILED = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
local threshold = tonumber(ARGV[1])
if count >= threshold then
  local doubled = tonumber(ARGV[2]) * (2 ^ math.min(count - threshold, 20))
  redis.call('SET', KEYS[2], '1', 'PX', math.floor(math.min(doubled, tonumber(ARGV[3]))))
end
return count
"""

# KEYS: identity count, identity lock, address count. A correct password clears the identity
# and gives its attempt back to the address (the address limit counts failures).
_SUCCEEDED = """
redis.call('DEL', KEYS[1], KEYS[2])
local from_address = tonumber(redis.call('GET', KEYS[3]) or '0')
if from_address > 0 then redis.call('DECR', KEYS[3]) end
return 1
"""


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
        self._prefix = f"{namespace}:login:v2:"
        # Failures are forgotten after the longest cool-down has passed without a new one.
        self._memory_seconds = int(policy.max_cooldown.total_seconds()) * 2
        self._attempt = redis.register_script(_ATTEMPT)
        self._succeeded = redis.register_script(_SUCCEEDED)
        self._failed = redis.register_script(_FAILED)

    def _keys(self, client_ip: str, college_slug: str, email: str) -> list[str]:
        # Hashed: the throttle store holds no email addresses.
        digest = hashlib.sha256(f"{college_slug}\0{email}".encode()).hexdigest()[:32]
        identity = f"{self._prefix}id:{digest}"
        return [identity, identity + ":lock", f"{self._prefix}ip:{client_ip}"]

    async def attempt(self, client_ip: str, college_slug: str, email: str) -> Throttled | None:
        policy = self._policy
        try:
            admitted, value = await self._attempt(
                keys=self._keys(client_ip, college_slug, email),
                args=[
                    policy.threshold,
                    int(policy.base_cooldown.total_seconds() * 1000),
                    int(policy.max_cooldown.total_seconds() * 1000),
                    self._memory_seconds,
                    self._ip_limit,
                    self._ip_window,
                ],
            )
        except RedisError as exc:
            # Fail open: the account row still counts and locks; refusing every login is worse.
            _log.warning("login_throttle_unavailable", error=str(exc))
            return None
        if int(admitted) == 1:
            return None
        return Throttled(max(1, math.ceil(int(value) / 1000)))

    async def failed(self, client_ip: str, college_slug: str, email: str) -> None:
        policy = self._policy
        try:
            await self._failed(
                keys=self._keys(client_ip, college_slug, email)[:2],
                args=[
                    policy.threshold,
                    int(policy.base_cooldown.total_seconds() * 1000),
                    int(policy.max_cooldown.total_seconds() * 1000),
                ],
            )
        except RedisError as exc:
            _log.warning("login_throttle_unavailable", error=str(exc))

    async def succeeded(self, client_ip: str, college_slug: str, email: str) -> None:
        try:
            await self._succeeded(keys=self._keys(client_ip, college_slug, email))
        except RedisError as exc:
            _log.warning("login_throttle_unavailable", error=str(exc))
