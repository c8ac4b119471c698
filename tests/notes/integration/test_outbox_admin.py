"""``notes outbox ...``, the platform's parked-rows command line on the notes database, run as an
operator runs it (a process of its own, the service not started): a parked ``note.created`` is
listed with what waits behind it, retried, and then published by the service's relay."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime

import msgspec
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms.notes.main import SERVICE
from lms_platform.messaging import decode_envelope, topic_name
from lms_platform.security.testing import TokenFactory
from lms_platform.testing import consume_all
from lms_platform.testing.services import running_service
from tests.notes.integration.conftest import headers_for, seed_user


def notes_outbox(settings: NotesSettings, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lms.notes.main", "outbox", *arguments],
        env={
            **os.environ,
            "LMS_NOTES_MONGO_URL": settings.mongo_url,
            "LMS_NOTES_MONGO_DATABASE": settings.mongo_database,
            "PYTHONPATH": os.pathsep.join(map(os.path.abspath, sys.path)),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_the_outbox_command_lists_and_retries_a_parked_document(
    notes_settings: NotesSettings, notes_db: AsyncIOMotorDatabase, tokens: TokenFactory,
    kafka_bootstrap: str,
) -> None:  # fmt: skip
    owner = uuid.uuid4()
    await seed_user(notes_db, owner)
    without_relay = msgspec.structs.replace(notes_settings, run_relay=False)
    async with running_service(SERVICE, without_relay, tokens=tokens) as service:
        note = await service.client.post(
            "/notes", json={"title": "parked"}, headers=headers_for(service, owner)
        )
        assert note.status_code == 201
        edit = await service.client.patch(
            f"/notes/{note.json()['id']}", json={"pinned": True},
            headers={**headers_for(service, owner), "If-Match": '"1"'},
        )  # fmt: skip
        assert edit.status_code == 200
    created = await notes_db["outbox"].find_one({"event_type": "note.created"})
    assert created is not None
    await notes_db["outbox"].update_one(  # as the relay parks a record the broker refused
        {"_id": created["_id"]},
        {"$set": {"state": "parked", "attempts": 12, "last_error": "TopicAuthorizationFailed",
                  "parked_at": datetime.now(UTC)}},
    )  # fmt: skip

    listed = await asyncio.to_thread(notes_outbox, notes_settings, "list")
    assert listed.returncode == 0, listed.stderr
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (row["id"], row["event_type"], row["held"]) == (str(created["_id"]), "note.created", 1)
    assert row["last_error"] == "TopicAuthorizationFailed"
    counts = await asyncio.to_thread(notes_outbox, notes_settings, "counts")
    assert json.loads(counts.stdout) == {topic_name("note", notes_settings.kafka_topic_prefix): 1}
    bad = await asyncio.to_thread(notes_outbox, notes_settings, "retry", "17")
    assert bad.returncode == 2 and "not a row id" in bad.stderr
    retried = await asyncio.to_thread(notes_outbox, notes_settings, "retry", row["id"])
    assert retried.returncode == 0, retried.stderr
    assert json.loads(retried.stdout) == {"retried": 1}

    async with running_service(SERVICE, notes_settings, tokens=tokens) as service:
        records = await consume_all(
            kafka_bootstrap, topic_name("note", notes_settings.kafka_topic_prefix),
            expected=2, timeout=20, linger=0.5,
        )  # fmt: skip
    assert [decode_envelope(r.value).type for r in records] == ["note.created", "note.updated"]
