"""Old dedup records leave by themselves: the service creates ``processed_messages``' TTL index at
start with its ``processed_messages_retention_seconds``, and a record a real consumed event left
is deleted by MongoDB's TTL pass once older than that, while a younger one stays."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import msgspec
from aiokafka import AIOKafkaProducer
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms.notes.main import SERVICE
from lms_platform.messaging import encode_envelope, new_envelope, topic_name
from lms_platform.messaging.headers import cloudevent_headers, encode_headers
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import running_service
from tests.notes.integration.conftest import COLLEGE

RETENTION = timedelta(hours=2)


async def test_a_processed_id_is_purged_after_the_retention(
    notes_settings: NotesSettings, notes_db: AsyncIOMotorDatabase, tokens: TokenFactory,
    kafka_bootstrap: str,
) -> None:  # fmt: skip
    settings = msgspec.structs.replace(
        notes_settings, processed_messages_retention_seconds=int(RETENTION.total_seconds())
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        async with running_service(SERVICE, settings, tokens=tokens):
            index = (await notes_db["processed_messages"].index_information())["ix_processed_at"]
            assert index["expireAfterSeconds"] == RETENTION.total_seconds()
            users = [uuid.uuid4(), uuid.uuid4()]
            envelopes = [
                new_envelope("user.created", "user", str(user), COLLEGE,
                             {"profile": {"id": str(user), "version": 1}})
                for user in users
            ]  # fmt: skip
            for envelope in envelopes:
                await producer.send_and_wait(
                    topic_name("user", settings.kafka_topic_prefix), encode_envelope(envelope),
                    key=envelope.subject.encode(),
                    headers=encode_headers(cloudevent_headers(envelope)),
                )  # fmt: skip
            deadline = asyncio.get_running_loop().time() + 30
            while await notes_db["processed_messages"].count_documents({}) < 2:
                assert asyncio.get_running_loop().time() < deadline, "not consumed in time"
                await asyncio.sleep(0.1)
    finally:
        await producer.stop()
    old, young = [
        await notes_db["processed_messages"].find_one({"_id": {"$regex": str(e.id)}})
        for e in envelopes
    ]
    assert old is not None and young is not None
    await notes_db["processed_messages"].update_one(
        {"_id": old["_id"]},
        {"$set": {"processed_at": datetime.now(UTC) - RETENTION - timedelta(seconds=5)}},
    )
    await notes_db.client.admin.command("secantusAdmin.pruneTtl")  # the TTL monitor's pass, now
    left = [doc["_id"] async for doc in notes_db["processed_messages"].find({})]
    assert left == [young["_id"]]
