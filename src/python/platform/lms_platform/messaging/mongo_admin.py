"""Parked outbox documents on MongoDB, for operators: the same admin as ``admin.py`` (list, count,
retry, discard; ``ParkedOutboxAdmin``) over the ``outbox`` collection of ``mongo_outbox.py``.

Each change is one multi-document transaction. The relay settles its batch in a transaction too
and never claims a parked row or a row held behind one, so an admin change either commits
before the relay sees the rows or meets the relay's write and is run again (a write conflict).
A retried row wakes the relay through its change stream (``mongo_outbox._WAKING_CHANGES``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from bson import ObjectId
from bson.errors import InvalidId
from motor.motor_asyncio import AsyncIOMotorClientSession, AsyncIOMotorDatabase
from pymongo import ASCENDING
from pymongo.errors import OperationFailure

from lms_platform.messaging.admin import ParkedRow
from lms_platform.messaging.models import PARKED, PENDING
from lms_platform.messaging.mongo_outbox import OUTBOX_COLLECTION, count_parked_by_topic

__all__ = ["MongoOutboxAdmin"]

T = TypeVar("T")
_CONFLICT_ATTEMPTS = 5


class MongoOutboxAdmin:
    """``OutboxAdmin`` for a service whose outbox is a MongoDB collection; row ids are the
    documents' ObjectIds (hex on the command line and in ``ParkedRow.id``)."""

    def __init__(
        self,
        database: AsyncIOMotorDatabase,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._database = database
        self._outbox = database[OUTBOX_COLLECTION]
        self._now = now

    @staticmethod
    def parse_id(text: str) -> ObjectId:
        try:
            return ObjectId(text)
        except (InvalidId, TypeError) as exc:
            raise ValueError(str(exc)) from exc

    async def list_parked(
        self, *, topic: str | None = None, after_id: ObjectId | None = None, limit: int = 100
    ) -> list[ParkedRow]:
        """Parked documents in id order; page with ``after_id`` = the last id of a page."""
        query: dict[str, Any] = {"state": PARKED}
        if topic is not None:
            query["topic"] = topic
        if after_id is not None:
            query["_id"] = {"$gt": after_id}
        cursor = self._outbox.find(query, {"payload": 0, "headers": 0})
        docs = await cursor.sort([("_id", ASCENDING)]).limit(limit).to_list(length=limit)
        rows = []
        for doc in docs:
            held = await self._outbox.count_documents(
                {"topic": doc["topic"], "key": doc["key"], "state": PENDING,
                 "seq": {"$gt": doc["seq"]}}
            )  # fmt: skip
            rows.append(
                ParkedRow(
                    id=str(doc["_id"]),
                    event_id=doc["event_id"],
                    event_type=doc["event_type"],
                    topic=doc["topic"],
                    key=doc["key"],
                    attempts=int(doc["attempts"]),
                    last_error=doc.get("last_error"),
                    created_at=doc["created_at"],
                    parked_at=doc.get("parked_at"),
                    held=int(held),
                )
            )
        return rows

    async def parked_counts(self) -> dict[str, int]:
        return await count_parked_by_topic(self._outbox)

    async def retry(
        self, ids: Sequence[ObjectId] | None = None, *, topic: str | None = None
    ) -> int:
        """Make parked documents pending and due now: ``ids``, or with ``ids=None`` every parked
        one (of ``topic``). Their attempts start from zero, and so do those of the documents
        held behind them. Returns how many parked documents were retried."""
        if ids is not None and not ids:
            return 0
        query = self._parked(ids, topic)

        async def change(session: AsyncIOMotorClientSession) -> int:
            parked = await self._outbox.find(query, {"topic": 1, "key": 1}, session=session)\
                .to_list(length=None)  # fmt: skip
            if not parked:
                return 0
            await self._outbox.update_many(
                {"_id": {"$in": [doc["_id"] for doc in parked]}},
                {"$set": {"state": PENDING, "attempts": 0, "next_attempt_at": self._now(),
                          "parked_at": None}},
                session=session,
            )  # fmt: skip
            keys = sorted({(doc["topic"], doc["key"]) for doc in parked})
            await self._outbox.update_many(
                {"state": PENDING, "$or": [{"topic": t, "key": k} for t, k in keys]},
                {"$set": {"attempts": 0}},
                session=session,
            )
            return len(parked)

        return await self._transaction(change)

    async def discard(self, ids: Sequence[ObjectId]) -> int:
        """Delete the parked documents ``ids`` (never pending ones): their events are lost.
        There is no "discard all", on purpose. Returns how many were deleted."""
        if not ids:
            return 0
        query = self._parked(ids, None)

        async def change(session: AsyncIOMotorClientSession) -> int:
            return int((await self._outbox.delete_many(query, session=session)).deleted_count)

        return await self._transaction(change)

    @staticmethod
    def _parked(ids: Sequence[ObjectId] | None, topic: str | None) -> dict[str, Any]:
        query: dict[str, Any] = {"state": PARKED}
        if ids is not None:
            query["_id"] = {"$in": list(ids)}
        if topic is not None:
            query["topic"] = topic
        return query

    async def _transaction(self, change: Callable[[AsyncIOMotorClientSession], Awaitable[T]]) -> T:
        """``change`` in one transaction, run again while it loses to a concurrent writer."""
        for attempt in range(1, _CONFLICT_ATTEMPTS + 1):
            async with await self._database.client.start_session() as session:
                try:
                    async with session.start_transaction():
                        return await change(session)
                except OperationFailure as exc:
                    if attempt == _CONFLICT_ATTEMPTS or not exc.has_error_label(
                        "TransientTransactionError"
                    ):
                        raise
            await asyncio.sleep(0.01 * attempt)
        raise AssertionError("unreachable")
