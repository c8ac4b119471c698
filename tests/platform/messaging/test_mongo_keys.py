"""MongoOutboxKeyPurger on the real MongoDB-protocol server: an idle per-key counter goes once no
record of its key is left; a counter with a record still waiting (parked) stays, or the key's
next record would start again at seq 1 and overtake it; a counter a writer is using in an open
transaction stays, and the writer's record follows its predecessors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from lms_platform.messaging import PARKED, new_envelope
from lms_platform.messaging.mongo_keys import MongoOutboxKeyPurger
from lms_platform.messaging.mongo_outbox import (
    MongoOutboxWriter,
    ensure_outbox_indexes,
    key_counter_id,
)

LATER = timedelta(days=2)  # the purge runs as if this much later: every counter is idle


@pytest.fixture()
async def database(mongo_url: str, mongo_database: str) -> AsyncIterator[AsyncIOMotorDatabase]:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url, tz_aware=True)
    database = client[mongo_database]
    await ensure_outbox_indexes(database)
    yield database
    client.close()


async def write(database: AsyncIOMotorDatabase, key: str) -> int:
    """One record of ``key`` through the real writer; returns its seq."""
    envelope = new_envelope("user.updated", "tests", key, "college-1", {"key": key})
    async with await database.client.start_session() as session, session.start_transaction():
        await MongoOutboxWriter(database).add(session, envelope, "user", key)
    record = await database.outbox.find_one({"event_id": str(envelope.id)})
    assert record is not None
    return int(record["seq"])


def purger(database: AsyncIOMotorDatabase, later: timedelta = LATER) -> MongoOutboxKeyPurger:
    return MongoOutboxKeyPurger(
        database, idle=timedelta(days=1), interval=60, now=lambda: datetime.now(UTC) + later
    )


async def counters(database: AsyncIOMotorDatabase) -> set[str]:
    return {doc["_id"] async for doc in database.outbox_keys.find({})}


async def test_idle_counters_without_records_go_and_the_others_stay(
    database: AsyncIOMotorDatabase,
) -> None:
    for key in ("published", "parked", "parked"):
        await write(database, key)
    await database.outbox.delete_many({"key": "published"})  # as the relay deletes on the ack
    await database.outbox.update_one({"key": "parked", "seq": 1}, {"$set": {"state": PARKED}})
    await database.outbox.delete_many({"key": "parked", "seq": 2})  # only the parked one is left
    await database.outbox_keys.insert_one({"_id": key_counter_id("user", "legacy"), "seq": 4})

    # Now: only "legacy" (an earlier version's counter, no touched_at) counts as idle.
    assert await purger(database, later=timedelta(0)).purge_once() == 1
    assert key_counter_id("user", "published") in await counters(database)
    assert await purger(database).purge_once() == 1  # two days on: "published" is idle too
    assert await counters(database) == {key_counter_id("user", "parked")}
    assert await write(database, "parked") == 3  # after the parked one, not before it
    assert await write(database, "published") == 1  # nothing of its key left to overtake


async def test_a_counter_in_an_open_writers_transaction_stays(
    database: AsyncIOMotorDatabase,
) -> None:
    await write(database, "busy")
    await database.outbox.delete_many({})
    envelope = new_envelope("user.updated", "tests", "busy", "college-1", {"key": "busy"})
    async with await database.client.start_session() as session, session.start_transaction():
        await MongoOutboxWriter(database).add(session, envelope, "user", "busy")
        assert await purger(database).purge_once() == 0  # the writer holds the counter
    assert await counters(database) == {key_counter_id("user", "busy")}
    record = await database.outbox.find_one({"event_id": str(envelope.id)})
    assert record is not None and record["seq"] == 2
