"""The outbox on MongoDB against the real MongoDB-protocol server and the real Tansu broker: the
record commits with the change or not at all, the relay (the platform's loop) publishes in order
per key, a held row holds its key only, one relay works at a time, and the dedup record is
claimed once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from lms_platform.kernel.events import DomainEvent
from lms_platform.messaging import decode_envelope, ensure_topics, topic_name
from lms_platform.messaging.mongo_outbox import (
    MongoOutboxRelay,
    MongoOutboxStore,
    MongoOutboxWriter,
    ensure_outbox_indexes,
)
from lms_platform.messaging.outbox_rows import Retry
from lms_platform.messaging.topics import CATALOGUE
from lms_platform.persistence.mongo import MongoDeduplicator, MongoUnitOfWork
from lms_platform.testing import consume_all
from tests.platform.messaging.support import FAST_BACKOFF


@dataclass(frozen=True, kw_only=True)
class Touched(DomainEvent):
    event_type: ClassVar[str] = "user.updated"
    topic: ClassVar[str] = "user"
    sequence: int


@pytest.fixture()
async def database(mongo_url: str, mongo_database: str) -> AsyncIterator[AsyncIOMotorDatabase]:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url)
    database = client[mongo_database]
    await ensure_outbox_indexes(database)
    yield database
    client.close()


def unit_of_work(database: AsyncIOMotorDatabase, namespace: str) -> MongoUnitOfWork:
    writer = MongoOutboxWriter(database, namespace=namespace)
    return MongoUnitOfWork(database.client, writer, source="tests")


async def change(
    database: AsyncIOMotorDatabase, namespace: str, key: str, sequence: int, *, fail: bool = False
) -> None:
    uow = unit_of_work(database, namespace)

    async def work() -> None:
        session = await uow.session()
        await database.things.insert_one({"key": key, "sequence": sequence}, session=session)
        uow.record(Touched(aggregate_id=key, tenant_id="college-1", sequence=sequence))
        if fail:
            raise RuntimeError("the use case failed after its write")

    try:
        await uow.atomically(work)
    finally:
        await uow.close()


async def test_the_record_commits_with_the_change_or_not_at_all(
    database: AsyncIOMotorDatabase, kafka_namespace: str
) -> None:
    await change(database, kafka_namespace, "k1", 1)
    with pytest.raises(RuntimeError):
        await change(database, kafka_namespace, "k1", 2, fail=True)
    assert await database.things.count_documents({}) == 1
    assert await database.outbox.count_documents({}) == 1
    record = await database.outbox.find_one({})
    assert record is not None
    assert (record["topic"], record["key"], record["seq"]) == (
        topic_name("user", kafka_namespace), "k1", 1
    )  # fmt: skip


async def test_the_relay_publishes_every_event_once_in_order_per_key(
    database: AsyncIOMotorDatabase, kafka_bootstrap: str, kafka_namespace: str
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    keys = ["a", "b", "c"]
    for sequence in range(5):
        for key in keys:
            await change(database, kafka_namespace, key, sequence)
    relay = MongoOutboxRelay(
        database, kafka_bootstrap, "mongo-tests", backoff=FAST_BACKOFF, poll_interval=0.2
    )
    async with relay:
        await change(database, kafka_namespace, "a", 5)  # written while the relay runs
        await relay.wait_until_empty(timeout=20)
    records = await consume_all(
        kafka_bootstrap, topic_name("user", kafka_namespace), expected=16, linger=0.5
    )
    assert len(records) == 16
    by_key: dict[str, list[int]] = {}
    for record in records:
        envelope = decode_envelope(record.value)
        assert record.key == envelope.subject.encode()
        by_key.setdefault(envelope.subject, []).append(envelope.data_as(dict)["sequence"])
    assert by_key == {"a": [0, 1, 2, 3, 4, 5], "b": [0, 1, 2, 3, 4], "c": [0, 1, 2, 3, 4]}


async def test_a_row_waiting_for_its_retry_holds_its_key_and_no_other(
    database: AsyncIOMotorDatabase, kafka_namespace: str
) -> None:
    for sequence in range(2):
        for key in ("held", "free"):
            await change(database, kafka_namespace, key, sequence)
    store = MongoOutboxStore(database)
    async with store.claim(10) as batch:
        assert batch is not None
        first = next(row for row in batch.rows if row.key == "held")
        await batch.settle([], [Retry(first.id, 1, timedelta(minutes=5), "boom")], [])
    async with store.claim(10) as batch:
        assert batch is not None
        assert [row.key for row in batch.rows] == ["free", "free"]
    assert await store.count_pending() == 4
    async with store.claim(10) as batch:
        assert batch is not None
        await batch.settle([], [], [Retry(first.id, 2, timedelta(0), "gave up")])
    assert await store.count_parked_by_topic() == {topic_name("user", kafka_namespace): 1}
    assert await store.count_pending() == 3
    await store.close()


async def test_one_relay_holds_the_outbox_at_a_time(database: AsyncIOMotorDatabase) -> None:
    first, second = MongoOutboxStore(database), MongoOutboxStore(database)
    async with first.claim(10) as batch:
        assert batch is not None
    async with second.claim(10) as batch:
        assert batch is None  # the first one's lease is live
    await first.close()  # releases the lease
    async with second.claim(10) as batch:
        assert batch is not None
    await second.close()


async def test_the_dedup_record_is_claimed_once_and_commits_with_the_effect(
    database: AsyncIOMotorDatabase, kafka_namespace: str
) -> None:
    async def deliver(message_id: str) -> bool:
        uow = unit_of_work(database, kafka_namespace)
        dedup = MongoDeduplicator(uow, database)
        try:
            if not await dedup.claim("tests.consumer", message_id):
                await dedup.abandon()
                return False
            await database.effects.insert_one({"id": message_id}, session=await uow.session())
            await dedup.finish()
            return True
        finally:
            await uow.close()

    results = [await deliver("m-1"), await deliver("m-1"), await deliver("m-2")]
    assert results == [True, False, True]
    assert await database.effects.count_documents({}) == 2
    assert await database.processed_messages.count_documents({}) == 2


async def test_concurrent_writes_of_one_key_keep_their_commit_order(
    database: AsyncIOMotorDatabase, kafka_namespace: str
) -> None:
    # Writers of one key conflict; atomically() runs the loser again after the winner.
    await asyncio.gather(*(change(database, kafka_namespace, "hot", n) for n in range(6)))
    seqs = [doc["seq"] async for doc in database.outbox.find({"key": "hot"}).sort("seq", 1)]
    assert seqs == [1, 2, 3, 4, 5, 6]
