"""Students' computed ``/me/assignments`` lists in Redis: one key per student, shared by every
replica, expiring after the TTL (which bounds the memory to the students active lately).

Nothing is invalidated here: the use case checks each entry against the database's revision,
the student's sections and the clock before using it (``DueList.holds``), so a write on any
replica makes every older entry unusable at once. Two fills racing may leave the older one
stored; that costs the next request a recomputation, never a stale answer. Entries are
MessagePack (about 270 bytes per assignment: 135 KB for 500). Commands used: GET, SET with EX (Redis 6.2
and 7). When Redis fails the list is computed from PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lms.assignment.application.ports import DueEntry, DueList
from lms_platform.metrics import CACHE_REQUESTS

_log = structlog.get_logger("lms.assignment.cache")


class _List(msgspec.Struct, array_like=True, frozen=True):
    revision: tuple[int, int]
    sections: list[UUID]
    computed: datetime
    valid_until: datetime | None
    # The application's own dataclasses: msgspec decodes them in C, three times faster than
    # building them from an array per entry in Python (1.6 against 4.7 ms for 500).
    entries: tuple[DueEntry, ...]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(_List)


def _encode(due_list: DueList) -> bytes:
    return _encoder.encode(
        _List(
            revision=due_list.revision,
            sections=sorted(due_list.sections),
            computed=due_list.computed_at,
            valid_until=due_list.valid_until,
            entries=due_list.entries,
        )
    )


def _decode(raw: bytes) -> DueList:
    stored = _decoder.decode(raw)
    return DueList(
        revision=stored.revision,
        sections=frozenset(stored.sections),
        computed_at=stored.computed,
        valid_until=stored.valid_until,
        entries=stored.entries,
    )


class RedisDueLists:
    def __init__(
        self, redis: Redis, *, service: str, ttl_seconds: int, namespace: str = "assignment"
    ) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._prefix = f"{namespace}:due-list:v1:"
        self._hits = CACHE_REQUESTS.labels(service=service, cache="due_list", result="hit")
        self._misses = CACHE_REQUESTS.labels(service=service, cache="due_list", result="miss")
        self._errors = CACHE_REQUESTS.labels(service=service, cache="due_list", result="error")

    def key(self, tenant_id: str, student_id: UUID) -> str:
        return f"{self._prefix}{tenant_id}:{student_id}"

    async def get(self, tenant_id: str, student_id: UUID) -> DueList | None:
        try:
            raw = await self._redis.get(self.key(tenant_id, student_id))
        except RedisError:
            self._errors.inc()
            return None
        if raw is None:
            self._misses.inc()
            return None
        try:
            found = _decode(raw.encode() if isinstance(raw, str) else raw)
        except msgspec.DecodeError:
            # Another shape under this key (a deploy in progress): compute, and overwrite it.
            self._errors.inc()
            return None
        self._hits.inc()
        return found

    async def put(self, tenant_id: str, student_id: UUID, due_list: DueList) -> None:
        if self._ttl <= 0:
            return
        try:
            await self._redis.set(self.key(tenant_id, student_id), _encode(due_list), ex=self._ttl)
        except RedisError as exc:
            self._errors.inc()
            _log.warning("due_list_not_stored", error=str(exc))


class NoDueLists:
    """No Redis configured: every list is computed."""

    async def get(self, tenant_id: str, student_id: UUID) -> DueList | None:
        return None

    async def put(self, tenant_id: str, student_id: UUID, due_list: DueList) -> None:
        return None
