"""Dedup records on MongoDB leave by themselves: ``ensure_processed_indexes`` makes
``processed_at`` a TTL index with the retention, converts the plain index of earlier versions in
place, and follows a changed retention. The test server's TTL pass (``secantusAdmin.pruneTtl``,
what mongod's TTL monitor does every minute) then deletes what is older, and nothing else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo import ASCENDING, IndexModel

from lms_platform.messaging.mongo_outbox import MongoOutboxWriter
from lms_platform.persistence.mongo import (
    PROCESSED_COLLECTION,
    MongoDeduplicator,
    MongoUnitOfWork,
    ensure_processed_indexes,
)
from lms_platform.persistence.mongo_ttl import ensure_ttl_index


@pytest.fixture()
async def database(mongo_url: str, mongo_database: str) -> AsyncIterator[AsyncIOMotorDatabase]:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url, tz_aware=True)
    yield client[mongo_database]
    client.close()


async def ttl_of(database: AsyncIOMotorDatabase) -> int | None:
    indexes = [ix async for ix in database[PROCESSED_COLLECTION].list_indexes()]
    [index] = [ix for ix in indexes if ix["name"] == "ix_processed_at"]
    return index.get("expireAfterSeconds")


async def claim(database: AsyncIOMotorDatabase, message_id: str) -> None:
    """A dedup record written as a consumer writes it."""
    uow = MongoUnitOfWork(database.client, MongoOutboxWriter(database), source="tests")
    try:
        assert await MongoDeduplicator(uow, database).claim("tests.consumer", message_id)
        await uow.commit()
    finally:
        await uow.close()


async def test_records_older_than_the_retention_are_purged_and_younger_ones_kept(
    database: AsyncIOMotorDatabase,
) -> None:
    retention = timedelta(hours=1)
    await ensure_processed_indexes(database, retention=retention)
    for message_id in ("old", "recent"):
        await claim(database, message_id)
    await database[PROCESSED_COLLECTION].update_one(
        {"_id": "tests.consumer\x00old"},
        {"$set": {"processed_at": datetime.now(UTC) - retention - timedelta(seconds=5)}},
    )
    await database.client.admin.command("secantusAdmin.pruneTtl")
    left = [doc["_id"] async for doc in database[PROCESSED_COLLECTION].find({})]
    assert left == ["tests.consumer\x00recent"]


async def test_the_index_of_earlier_versions_gains_the_ttl_and_follows_the_setting(
    database: AsyncIOMotorDatabase,
) -> None:
    await database[PROCESSED_COLLECTION].create_indexes(
        [IndexModel([("processed_at", ASCENDING)], name="ix_processed_at")]  # as before
    )
    assert await ttl_of(database) is None
    await ensure_processed_indexes(database, retention=timedelta(days=30))
    assert await ttl_of(database) == 30 * 86_400
    await ensure_processed_indexes(database, retention=timedelta(days=7))
    assert await ttl_of(database) == 7 * 86_400
    await ensure_processed_indexes(database, retention=timedelta(days=7))  # idempotent
    assert await ttl_of(database) == 7 * 86_400


async def test_a_ttl_under_a_second_is_refused(database: AsyncIOMotorDatabase) -> None:
    with pytest.raises(ValueError, match="at least one second"):
        await ensure_ttl_index(
            database.things, "at", name="ix_at", retention=timedelta(milliseconds=500)
        )
