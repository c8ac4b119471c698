"""MongoOutboxAdmin and the shared command line on the real MongoDB-protocol server (and the real
broker where the relay takes part): list, count, retry and discard parked documents, never touch
a pending one, and a retried document wakes the relay at once."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from lms_platform.messaging import (
    CATALOGUE,
    PARKED,
    PENDING,
    ensure_topics,
    new_envelope,
    run_outbox_command,
    topic_name,
)
from lms_platform.messaging.mongo_admin import MongoOutboxAdmin
from lms_platform.messaging.mongo_outbox import (
    MongoOutboxRelay,
    MongoOutboxWriter,
    ensure_outbox_indexes,
)
from lms_platform.testing import consume_all
from tests.platform.messaging.support import (
    FAST_BACKOFF,
    check_retry_and_discard_touch_only_parked,
)


@pytest.fixture()
async def database(mongo_url: str, mongo_database: str) -> AsyncIterator[AsyncIOMotorDatabase]:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url, tz_aware=True)
    database = client[mongo_database]
    await ensure_outbox_indexes(database)
    yield database
    client.close()


async def add(
    database: AsyncIOMotorDatabase, topic: str, key: str, *, parked: bool, namespace: str = ""
) -> ObjectId:
    """One record through the real writer (its key's next ``seq``), then parked as the relay
    parks one, or left pending after a few failed attempts."""
    writer = MongoOutboxWriter(database, namespace=namespace)
    envelope = new_envelope(f"{topic}.updated", "tests", key, "college-1", {"key": key})
    async with await database.client.start_session() as session, session.start_transaction():
        await writer.add(session, envelope, topic, key)
    record = await database.outbox.find_one({"event_id": str(envelope.id)})
    assert record is not None
    change = (
        {"state": PARKED, "attempts": 10, "last_error": "UnknownTopicOrPartitionError",
         "parked_at": datetime.now(UTC)}
        if parked
        else {"attempts": 3, "next_attempt_at": datetime.now(UTC) + timedelta(minutes=5)}
    )  # fmt: skip
    await database.outbox.update_one({"_id": record["_id"]}, {"$set": change})
    return ObjectId(record["_id"])


async def states(database: AsyncIOMotorDatabase) -> dict[ObjectId, tuple[str, int]]:
    return {doc["_id"]: (doc["state"], doc["attempts"]) async for doc in database.outbox.find({})}


async def test_list_shows_parked_documents_with_what_waits_behind_them_and_pages(
    database: AsyncIOMotorDatabase,
) -> None:
    u1 = await add(database, "user", "a", parked=True)
    await add(database, "user", "a", parked=False)  # held behind u1
    await add(database, "user", "a", parked=False)
    await add(database, "user", "b", parked=False)  # another key: not held
    c1 = await add(database, "course", "a", parked=True)
    admin = MongoOutboxAdmin(database)

    listed = await admin.list_parked()
    assert [(row.id, row.topic, row.key, row.held) for row in listed] == [
        (str(u1), "user", "a", 2),
        (str(c1), "course", "a", 0),
    ]
    assert listed[0].attempts == 10
    assert listed[0].last_error == "UnknownTopicOrPartitionError"
    assert listed[0].parked_at is not None
    assert [row.id for row in await admin.list_parked(limit=1)] == [str(u1)]
    assert [row.id for row in await admin.list_parked(after_id=u1)] == [str(c1)]
    assert [row.id for row in await admin.list_parked(topic="course")] == [str(c1)]
    assert await admin.parked_counts() == {"user": 1, "course": 1}


async def test_retry_makes_documents_pending_and_due_and_resets_attempts_behind_them(
    database: AsyncIOMotorDatabase,
) -> None:
    u1 = await add(database, "user", "a", parked=True)
    behind = await add(database, "user", "a", parked=False)
    other = await add(database, "user", "b", parked=False)
    c1 = await add(database, "course", "a", parked=True)
    before = datetime.now(UTC)

    assert await MongoOutboxAdmin(database).retry([u1]) == 1
    assert await states(database) == {
        u1: (PENDING, 0),
        behind: (PENDING, 0),  # a fresh start for the key, not a single attempt left
        other: (PENDING, 3),
        c1: (PARKED, 10),
    }
    retried = await database.outbox.find_one({"_id": u1})
    assert retried is not None
    assert before <= retried["next_attempt_at"] <= datetime.now(UTC)
    assert retried["parked_at"] is None


async def test_retry_all_or_by_topic_and_discard_touch_only_parked_documents(
    database: AsyncIOMotorDatabase,
) -> None:
    await check_retry_and_discard_touch_only_parked(
        database, MongoOutboxAdmin(database), add, states
    )


async def test_a_retried_document_wakes_the_relay_and_is_published(
    database: AsyncIOMotorDatabase, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    parked = await add(database, "user", "a", parked=True, namespace=kafka_namespace)
    # The poll would find it only after a minute: the change stream must wake the relay.
    relay = MongoOutboxRelay(
        database, kafka_bootstrap, "mongo-admin-tests", backoff=FAST_BACKOFF, poll_interval=60
    )
    async with relay:
        await asyncio.sleep(1.5)  # its first cycle found nothing due; it now waits for a change
        assert await MongoOutboxAdmin(database).retry([parked]) == 1
        # Not relay.wait_until_empty(): that wakes the relay itself.
        deadline = asyncio.get_running_loop().time() + 5
        while await database.outbox.count_documents({}) > 0:
            assert asyncio.get_running_loop().time() < deadline, "the relay was not woken"
            await asyncio.sleep(0.05)
    records = await consume_all(
        kafka_bootstrap, topic_name("user", kafka_namespace), expected=1, linger=0.5
    )
    assert [record.key for record in records] == [b"a"]


async def test_the_command_line_takes_object_ids_and_refuses_others(
    database: AsyncIOMotorDatabase,
) -> None:
    u1 = await add(database, "user", "a", parked=True)
    u2 = await add(database, "user", "b", parked=True)
    admin = MongoOutboxAdmin(database)

    async def run(*argv: str) -> tuple[int, list[object]]:
        out = io.StringIO()
        status = await run_outbox_command(admin, argv, out=out)
        return status, [json.loads(line) for line in out.getvalue().splitlines()]

    status, lines = await run("list")
    assert status == 0
    assert [(line["id"], line["key"], line["held"]) for line in lines] == [  # type: ignore[index]
        (str(u1), "a", 0),
        (str(u2), "b", 0),
    ]
    assert await run("list", "--after", str(u1)) == (0, [lines[1]])
    assert await run("counts") == (0, [{"user": 2}])
    assert await run("retry", "17") == (2, [])  # not an ObjectId: a usage error, nothing done
    assert await run("discard", "not-an-id") == (2, [])
    assert await run("retry", str(u1)) == (0, [{"retried": 1}])
    assert await run("discard", str(u2)) == (0, [{"discarded": 1}])
    assert await run("list") == (0, [])
