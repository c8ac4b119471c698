"""Deletes the per-key sequence counters of the MongoDB outbox (``outbox_keys``, one document per
topic and key ever written: for notes, one per note) that no record needs any more.

A counter orders the records of its key (``mongo_outbox.py``). Deleted while a record of its key
is still in the outbox (pending, waiting for a retry, parked), the next record would start again
at ``seq`` 1 and overtake that one. So a counter goes only when it has not been touched for
``idle`` and no record of its key is left, checked and deleted in one transaction: a writer that
adds a record of the key meanwhile writes the same counter, so one of the two transactions
meets a write conflict and the purge skips the key (or the writer runs again and starts a fresh
counter at 1, with nothing of its key left to overtake). A TTL index could not check the outbox,
hence this periodic purge.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo.errors import OperationFailure

from lms_platform.messaging.mongo_outbox import KEYS_COLLECTION, OUTBOX_COLLECTION
from lms_platform.messaging.periodic import PeriodicPurge

__all__ = ["MongoOutboxKeyPurger"]


class MongoOutboxKeyPurger(PeriodicPurge):
    purged_things = "idle outbox key counter(s)"

    def __init__(
        self,
        database: AsyncIOMotorDatabase,
        *,
        idle: timedelta,
        interval: float,
        batch_size: int = 500,
        service_name: str = "",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if idle <= timedelta(0) or batch_size < 1:
            raise ValueError("idle and batch_size must be positive")
        super().__init__(
            interval=interval, task_name=f"{service_name or 'service'}-outbox-key-purger"
        )
        self._database = database
        self._keys = database[KEYS_COLLECTION]
        self._outbox = database[OUTBOX_COLLECTION]
        self._idle = idle
        self._batch_size = batch_size
        self._now = now

    async def purge_once(self) -> int:
        """Delete every idle counter whose key has no record left; returns how many went."""
        cutoff = self._now() - self._idle
        # Counters of earlier versions have no touched_at: idle since before this purge existed.
        idle = {"$or": [{"touched_at": {"$lt": cutoff}}, {"touched_at": {"$exists": False}}]}
        total, after = 0, ""
        while True:
            page = await self._keys.find({**idle, "_id": {"$gt": after}}, {"_id": 1})\
                .sort("_id", 1).limit(self._batch_size).to_list(length=self._batch_size)  # fmt: skip
            for counter in page:
                total += await self._purge_key(counter["_id"], cutoff)
            if len(page) < self._batch_size:
                return total
            after = page[-1]["_id"]

    async def _purge_key(self, counter_id: str, cutoff: datetime) -> int:
        topic, _, key = counter_id.partition("\x00")
        async with await self._database.client.start_session() as session:
            try:
                async with session.start_transaction():
                    if await self._outbox.find_one({"topic": topic, "key": key}, {"_id": 1},
                                                   session=session):  # fmt: skip
                        return 0
                    deleted = await self._keys.delete_one(
                        {"_id": counter_id, "$or": [{"touched_at": {"$lt": cutoff}},
                                                    {"touched_at": {"$exists": False}}]},
                        session=session,
                    )  # fmt: skip
                    return int(deleted.deleted_count)
            except OperationFailure as exc:
                if exc.has_error_label("TransientTransactionError"):
                    return 0  # a writer of this key won: the counter is in use again
                raise
