"""Cache-aside store for profiles in Redis, versioned so that a stale fill cannot win a race.

Each profile is one hash: ``v`` (the version the cache knows of) and ``b`` (the encoded
profile, absent in a tombstone). Writers invalidate right after their transaction commits by
leaving a tombstone with the committed version; a reader's fill is written only if its version
is newer than what the hash knows (or equal to a tombstone's: the reader loaded that very
commit). Both steps are Lua scripts, so check and write are one atomic step. Entries and
tombstones expire after the TTL as a safety net (a fill that stalls longer than the TTL
between its database read and its write could still land; requests are far shorter). Commands
used: EVALSHA, HGET, HEXISTS, HSET, DEL, EXPIRE, all in Redis 6.2 and 7.

A TTL of 0 turns the cache off: every read goes to PostgreSQL and Redis is never asked
(docs/benchmarks/user.md measures both).
"""

from __future__ import annotations

from uuid import UUID

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms.user.domain.model import Profile
from lms_platform.metrics import CACHE_REQUESTS

_log = structlog.get_logger("lms.user.cache")
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Profile)

# KEYS[1] the profile's hash; ARGV: version, encoded profile, ttl seconds. 1 if stored.
_FILL = """
local known = tonumber(redis.call('HGET', KEYS[1], 'v'))
local version = tonumber(ARGV[1])
if known and (version < known or (version == known and redis.call('HEXISTS', KEYS[1], 'b') == 1)) then
  return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'b', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS[1] the profile's hash; ARGV: committed version, ttl seconds. Never lowers the version.
_TOMBSTONE = """
local known = tonumber(redis.call('HGET', KEYS[1], 'v'))
local version = tonumber(ARGV[1])
if known and known > version then
  version = known
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', version)
redis.call('EXPIRE', KEYS[1], ARGV[2])
return version
"""


class RedisProfileCache:
    def __init__(
        self, redis: Redis, *, service: str, ttl_seconds: int, namespace: str = "user"
    ) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        # v2: a hash with a version (v1 held a plain string and no version).
        self._prefix = f"{namespace}:profile:v2:"
        self._fill = redis.register_script(_FILL)
        self._tombstone = redis.register_script(_TOMBSTONE)
        self._enabled = ttl_seconds > 0
        self._hits = CACHE_REQUESTS.labels(service=service, cache="profile", result="hit")
        self._misses = CACHE_REQUESTS.labels(service=service, cache="profile", result="miss")
        self._errors = CACHE_REQUESTS.labels(service=service, cache="profile", result="error")

    def _key(self, profile_id: UUID) -> str:
        return self._prefix + str(profile_id)

    async def get(self, profile_id: UUID) -> Profile | None:
        if not self._enabled:
            return None
        try:
            raw = await self._redis.hget(self._key(profile_id), "b")
        except RedisError:
            # The cache is an optimisation: when Redis is down, read from PostgreSQL.
            self._errors.inc()
            return None
        if raw is None:
            self._misses.inc()
            return None
        self._hits.inc()
        return _decoder.decode(raw)

    async def put(self, profile: Profile) -> None:
        if not self._enabled:
            return
        try:
            await self._fill(
                keys=[self._key(profile.id)],
                args=[profile.version, _encoder.encode(profile), self._ttl],
            )
        except RedisError:
            self._errors.inc()

    async def invalidate(self, profile_id: UUID, version: int) -> None:
        # The write has committed by now; failing the request would make the client retry a
        # write that succeeded. A missed invalidation is bounded by the TTL, and logged.
        if not self._enabled:
            return
        try:
            await self._tombstone(keys=[self._key(profile_id)], args=[version, self._ttl])
        except RedisError as exc:
            self._errors.inc()
            _log.warning("cache_invalidation_failed", profile_id=str(profile_id), error=str(exc))
