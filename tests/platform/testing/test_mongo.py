"""The MongoDB-protocol test server: a real secantusdb, a database per test, transactions."""

from __future__ import annotations

import asyncio

import pytest
from motor.motor_asyncio import AsyncIOMotorClient
from pymongo.errors import OperationFailure, PyMongoError

from lms_platform.testing.mongo import MongoServer, secantus_venv


def test_the_server_runs_from_its_own_venv(mongo_server: MongoServer) -> None:
    venv = secantus_venv(announce=False)
    assert (venv / ".lms-installed").read_text() == "0.7.0b3"
    assert str(venv / "bin" / "python") in mongo_server.command()
    assert mongo_server.running


async def test_a_transaction_commits_both_documents_or_neither(
    mongo_url: str, mongo_database: str
) -> None:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url)
    db = client[mongo_database]
    try:
        async with await client.start_session() as session:
            async with session.start_transaction():
                await db.things.insert_one({"_id": 1}, session=session)
                await db.events.insert_one({"_id": 1}, session=session)

        async def failing_use_case() -> None:
            async with await client.start_session() as session:
                async with session.start_transaction():
                    await db.things.insert_one({"_id": 2}, session=session)
                    raise RuntimeError("the use case failed")

        with pytest.raises(RuntimeError):
            await failing_use_case()
        assert await db.things.count_documents({}) == 1
        assert await db.events.count_documents({}) == 1
    finally:
        client.close()


async def test_concurrent_transactions_on_one_document_conflict(
    mongo_url: str, mongo_database: str
) -> None:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url)
    db = client[mongo_database]
    try:
        await db.things.insert_one({"_id": 1, "n": 0})
        first, second = await client.start_session(), await client.start_session()
        first.start_transaction()
        second.start_transaction()
        await db.things.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=first)
        with pytest.raises(OperationFailure) as conflict:
            await db.things.update_one({"_id": 1}, {"$inc": {"n": 1}}, session=second)
        assert conflict.value.has_error_label("TransientTransactionError")
        await first.commit_transaction()
        await second.abort_transaction()
        stored = await db.things.find_one({"_id": 1})
        assert stored is not None and stored["n"] == 1
    finally:
        client.close()


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_gets_an_empty_database(
    run: int, mongo_url: str, mongo_database: str
) -> None:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url)
    try:
        db = client[mongo_database]
        assert await db.list_collection_names() == []
        await db.left_behind.insert_one({"run": run})
    finally:
        client.close()


async def test_a_paused_server_keeps_its_data(
    mongo_server: MongoServer, mongo_url: str, mongo_database: str
) -> None:
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url, serverSelectionTimeoutMS=500)
    db = client[mongo_database]
    try:
        await db.things.insert_one({"_id": "kept"})
        mongo_server.pause()
        try:
            with pytest.raises((TimeoutError, PyMongoError)):
                await asyncio.wait_for(db.things.find_one({"_id": "kept"}), 1.5)
        finally:
            mongo_server.resume()
        assert await db.things.find_one({"_id": "kept"}) == {"_id": "kept"}
    finally:
        client.close()


async def test_text_indexes_are_not_supported(mongo_url: str, mongo_database: str) -> None:
    """Recorded in docs/mongodb.md: services search text with indexed tags and a regex instead."""
    client: AsyncIOMotorClient = AsyncIOMotorClient(mongo_url)
    try:
        with pytest.raises(OperationFailure, match="text indexes are not supported"):
            await client[mongo_database].things.create_index([("body", "text")])
    finally:
        client.close()
