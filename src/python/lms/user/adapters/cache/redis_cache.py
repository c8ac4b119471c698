"""Cache-aside store for profiles in Redis. Entries expire after a TTL as a safety net; writers
invalidate them right after their transaction commits."""

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


class RedisProfileCache:
    def __init__(
        self, redis: Redis, *, service: str, ttl_seconds: int, namespace: str = "user"
    ) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = f"{namespace}:profile:v1:"
        self._hits = CACHE_REQUESTS.labels(service=service, cache="profile", result="hit")
        self._misses = CACHE_REQUESTS.labels(service=service, cache="profile", result="miss")
        self._errors = CACHE_REQUESTS.labels(service=service, cache="profile", result="error")

    async def get(self, profile_id: UUID) -> Profile | None:
        try:
            raw = await self._redis.get(self._prefix + str(profile_id))
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
        try:
            await self._redis.set(
                self._prefix + str(profile.id), _encoder.encode(profile), ex=self._ttl
            )
        except RedisError:
            self._errors.inc()

    async def invalidate(self, profile_id: UUID) -> None:
        # The write has committed by now; failing the request would make the client retry a
        # write that succeeded. A missed invalidation is bounded by the TTL, and logged.
        try:
            await self._redis.delete(self._prefix + str(profile_id))
        except RedisError as exc:
            self._errors.inc()
            _log.warning("cache_invalidation_failed", profile_id=str(profile_id), error=str(exc))
