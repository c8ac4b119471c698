"""The outbox on MongoDB: the ``outbox`` collection, written in the transaction of the change
(``MongoOutboxWriter``), published by the platform's relay loop through ``MongoOutboxStore``.

The relay's promises (``relay.py``) hold here as on PostgreSQL:

* **Order per key.** Each record takes the next ``seq`` of its topic and key from the
  ``outbox_keys`` collection (``$inc`` in the writing transaction: two writers of one key
  conflict and one retries after the other committed). A row is claimed only when no row of its
  key with a lower ``seq`` is outside the batch (parked, waiting for a retry, or simply not
  claimed), and a batch lists each key's rows by ``seq``. Keys are served oldest first by
  ``created_at``.
* **One relay at a time.** A lease document (``outbox_lease``) names the relay that works; a
  relay takes it when it is free or expired, and renews it every cycle. A relay that stalls past
  the lease may publish a row twice, never lose one: consumers deduplicate on the envelope id.
* **Wake-up.** A change stream on the collection wakes the relay on an insert, or on a parked row
  made pending again by ``MongoOutboxAdmin`` (MongoDB streams only committed writes), with the
  relay's slow poll as the safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from motor.motor_asyncio import (
    AsyncIOMotorClientSession,
    AsyncIOMotorCollection,
    AsyncIOMotorDatabase,
)
from pymongo import ASCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError, PyMongoError

from lms_platform.messaging.envelope import Envelope
from lms_platform.messaging.models import PARKED, PENDING
from lms_platform.messaging.outbox import outbox_record
from lms_platform.messaging.outbox_rows import ClaimedRow, Retry
from lms_platform.messaging.relay import BaseOutboxRelay

__all__ = [
    "OUTBOX_COLLECTION",
    "count_parked_by_topic",
    "key_counter_id",
    "MongoOutboxRelay",
    "MongoOutboxStore",
    "MongoOutboxWriter",
    "ensure_outbox_indexes",
]

logger = logging.getLogger(__name__)

OUTBOX_COLLECTION = "outbox"
KEYS_COLLECTION = "outbox_keys"
LEASE_COLLECTION = "outbox_lease"
_LEASE_ID = "relay"
# A new record, or a parked one made pending again (``MongoOutboxAdmin.retry``): the relay's own
# retry bookkeeping never sets ``state`` to pending, so it does not wake itself.
_WAKING_CHANGES: dict[str, Any] = {
    "$or": [
        {"operationType": "insert"},
        {"operationType": "update", "updateDescription.updatedFields.state": PENDING},
    ]
}

_INDEXES = [
    # The claim: pending rows, oldest first.
    IndexModel([("state", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
               name="ix_outbox_claim"),  # fmt: skip
    # The order rule: the earlier rows of a key.
    IndexModel([("topic", ASCENDING), ("key", ASCENDING), ("seq", ASCENDING)],
               name="ix_outbox_topic_key_seq"),  # fmt: skip
]


def key_counter_id(topic: str, key: str) -> str:
    """The ``outbox_keys`` document of a topic and key (``mongo_keys.py`` splits it again)."""
    return f"{topic}\x00{key}"


def in_transaction(session: AsyncIOMotorClientSession) -> bool:
    # A property at run time; motor's type stubs declare a method.
    return bool(session.in_transaction)


async def ensure_outbox_indexes(database: AsyncIOMotorDatabase) -> None:
    """The indexes the relay's queries use (idempotent; run at start)."""
    await database[OUTBOX_COLLECTION].create_indexes(_INDEXES)


class MongoOutboxWriter:
    """Inserts an event's record into ``outbox`` within the caller's transaction; never commits."""

    def __init__(
        self,
        database: AsyncIOMotorDatabase,
        *,
        namespace: str = "",
        max_payload_bytes: int = 900_000,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._outbox = database[OUTBOX_COLLECTION]
        self._keys = database[KEYS_COLLECTION]
        self._namespace = namespace
        self._max_payload_bytes = max_payload_bytes
        self._now = now

    async def add(
        self,
        session: AsyncIOMotorClientSession,
        envelope: Envelope,
        topic: str,
        key: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not in_transaction(session):
            raise RuntimeError("an outbox record must be written inside the change's transaction")
        record = outbox_record(
            envelope,
            topic,
            key,
            namespace=self._namespace,
            headers=headers,
            max_payload_bytes=self._max_payload_bytes,
        )
        now = self._now()
        counter = await self._keys.find_one_and_update(
            {"_id": key_counter_id(record.topic, record.key)},
            {"$inc": {"seq": 1}, "$set": {"touched_at": now}},  # touched_at: for the purge
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        await self._outbox.insert_one(
            {
                "event_id": str(record.event_id),
                "event_type": record.event_type,
                "topic": record.topic,
                "key": record.key,
                "seq": counter["seq"],
                "headers": record.headers,
                "payload": record.payload,
                "state": PENDING,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "last_error": None,
            },
            session=session,
        )


class _MongoBatch:
    def __init__(
        self,
        outbox: AsyncIOMotorCollection,
        session: AsyncIOMotorClientSession,
        rows: list[ClaimedRow],
        now: datetime,
    ) -> None:
        self._outbox = outbox
        self._session = session
        self._now = now
        self.rows = rows

    async def settle(
        self, published: Sequence[Any], retries: Sequence[Retry], parked: Sequence[Retry]
    ) -> None:
        writes: list[Any] = []
        if published:
            await self._outbox.delete_many({"_id": {"$in": list(published)}}, session=self._session)
        for retry in retries:
            writes.append(
                UpdateOne(
                    {"_id": retry.id},
                    {"$set": {"attempts": retry.attempts, "last_error": retry.error,
                              "next_attempt_at": self._now + retry.delay}},
                )  # fmt: skip
            )
        for park in parked:
            writes.append(
                UpdateOne(
                    {"_id": park.id},
                    {"$set": {"state": PARKED, "attempts": park.attempts,
                              "last_error": park.error, "parked_at": self._now}},
                )  # fmt: skip
            )
        if writes:
            await self._outbox.bulk_write(writes, ordered=True, session=self._session)


class MongoOutboxStore:
    """``OutboxStore`` on a database's ``outbox`` collection (see the module docstring)."""

    def __init__(
        self,
        database: AsyncIOMotorDatabase,
        *,
        lease_seconds: float = 30.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._database = database
        self._outbox = database[OUTBOX_COLLECTION]
        self._lease = database[LEASE_COLLECTION]
        self._lease_for = timedelta(seconds=lease_seconds)
        self._owner = uuid.uuid4().hex
        self._now = now
        self._watcher: asyncio.Task[None] | None = None

    async def _take_lease(self, now: datetime) -> bool:
        try:
            await self._lease.find_one_and_update(
                {"_id": _LEASE_ID, "$or": [{"owner": self._owner}, {"expires_at": {"$lt": now}}]},
                {"$set": {"owner": self._owner, "expires_at": now + self._lease_for}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # another relay holds a live lease (the upsert met its document)
        return True

    async def release_lease(self) -> None:
        await self._lease.delete_one({"_id": _LEASE_ID, "owner": self._owner})

    @contextlib.asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[_MongoBatch | None]:
        now = self._now()
        if not await self._take_lease(now):
            yield None
            return
        rows = await self._claimable(limit, now)
        client = self._database.client
        async with await client.start_session() as session:
            async with session.start_transaction():
                yield _MongoBatch(self._outbox, session, rows, now)

    async def _claimable(self, limit: int, now: datetime) -> list[ClaimedRow]:
        cursor = (
            self._outbox.find({"state": PENDING, "next_attempt_at": {"$lte": now}})
            .sort([("created_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        candidates = await cursor.to_list(length=limit)
        if not candidates:
            return []
        keys = {(doc["topic"], doc["key"]) for doc in candidates}
        # The lowest seq per key among rows left outside the batch: nothing after it may go.
        outside = self._outbox.find(
            {
                "$or": [{"topic": topic, "key": key} for topic, key in keys],
                "_id": {"$nin": [doc["_id"] for doc in candidates]},
            },
            {"topic": 1, "key": 1, "seq": 1},
        )
        first_held: dict[tuple[str, str], int] = {}
        async for doc in outside:
            pair = (doc["topic"], doc["key"])
            first_held[pair] = min(first_held.get(pair, doc["seq"]), doc["seq"])
        kept = [
            doc
            for doc in candidates
            if (doc["topic"], doc["key"]) not in first_held
            or doc["seq"] < first_held[(doc["topic"], doc["key"])]
        ]
        return [_row(doc) for doc in _in_key_order(kept)]

    async def count_pending(self) -> int:
        return int(await self._outbox.count_documents({"state": PENDING}))

    async def count_parked_by_topic(self) -> dict[str, int]:
        return await count_parked_by_topic(self._outbox)

    async def listen(self, wake: Callable[[], None]) -> None:
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch(wake), name="mongo-outbox-watch")

    async def _watch(self, wake: Callable[[], None]) -> None:
        try:
            async with self._outbox.watch([{"$match": _WAKING_CHANGES}]) as stream:
                async for _change in stream:
                    wake()
        except asyncio.CancelledError:
            raise
        except PyMongoError as exc:  # re-armed by the next cycle; the poll covers the gap
            logger.debug("outbox change stream ended: %s", exc)

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watcher
            self._watcher = None
        with contextlib.suppress(PyMongoError):
            await self.release_lease()


async def count_parked_by_topic(outbox: AsyncIOMotorCollection) -> dict[str, int]:
    pipeline: list[dict[str, Any]] = [
        {"$match": {"state": PARKED}},
        {"$group": {"_id": "$topic", "n": {"$sum": 1}}},
    ]
    return {doc["_id"]: int(doc["n"]) async for doc in outbox.aggregate(pipeline)}


def _in_key_order(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``docs`` in their order, except that each key's rows fill that key's places by ``seq``
    (``created_at`` comes from the writers' clocks, ``seq`` is the order of commits)."""
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        by_key[(doc["topic"], doc["key"])].append(doc)
    for rows in by_key.values():
        rows.sort(key=lambda doc: doc["seq"], reverse=True)
    return [by_key[(doc["topic"], doc["key"])].pop() for doc in docs]


def _row(doc: dict[str, Any]) -> ClaimedRow:
    return ClaimedRow(
        id=doc["_id"],
        topic=doc["topic"],
        key=doc["key"],
        headers=dict(doc["headers"]),
        payload=bytes(doc["payload"]),
        attempts=int(doc["attempts"]),
    )


class MongoOutboxRelay(BaseOutboxRelay):
    """The relay of a service whose outbox is the ``outbox`` collection of its MongoDB database."""

    def __init__(
        self,
        database: AsyncIOMotorDatabase,
        bootstrap_servers: str,
        service_name: str,
        *,
        lease_seconds: float = 30.0,
        **options: Any,
    ) -> None:
        super().__init__(
            MongoOutboxStore(database, lease_seconds=lease_seconds),
            bootstrap_servers,
            service_name,
            **options,
        )
