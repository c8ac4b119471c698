"""The service's relay work also purges ``outbox_keys``: a note's sequence counter goes once the
note's records are published and the counter has been idle for ``outbox_keys_idle_seconds``;
a note whose record is parked keeps its counter."""

from __future__ import annotations

import asyncio
import uuid

import msgspec
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms.notes.main import SERVICE
from lms_platform.messaging import PARKED
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import running_service
from tests.notes.integration.conftest import headers_for, seed_user


async def test_a_published_notes_counter_goes_and_a_parked_ones_stays(
    notes_settings: NotesSettings, notes_db: AsyncIOMotorDatabase, tokens: TokenFactory
) -> None:
    owner = uuid.uuid4()
    await seed_user(notes_db, owner)
    without_relay = msgspec.structs.replace(notes_settings, run_relay=False)
    async with running_service(SERVICE, without_relay, tokens=tokens) as service:
        created = [
            (await service.client.post(
                "/notes", json={"title": title}, headers=headers_for(service, owner)
            )).json()["id"]
            for title in ("published", "parked")
        ]  # fmt: skip
    parked = await notes_db["outbox"].update_one({"key": created[1]}, {"$set": {"state": PARKED}})
    assert parked.modified_count == 1
    assert await notes_db["outbox_keys"].count_documents({}) == 2

    fast_purge = msgspec.structs.replace(
        notes_settings, outbox_keys_idle_seconds=1, outbox_keys_purge_interval_seconds=0.2
    )
    async with running_service(SERVICE, fast_purge, tokens=tokens):
        deadline = asyncio.get_running_loop().time() + 20
        while await notes_db["outbox_keys"].count_documents({}) > 1:
            assert asyncio.get_running_loop().time() < deadline, "no counter was purged"
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # a few more passes: the parked note's counter must stay
    [left] = [doc["_id"] async for doc in notes_db["outbox_keys"].find({})]
    assert left.endswith(f"\x00{created[1]}")
    assert await notes_db["outbox"].count_documents({}) == 1  # the parked record, untouched
