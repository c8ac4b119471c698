"""Events in and out, against the real broker, read and written with a plain aiokafka client:
the ``note.*`` events of a note's life in order; every event arriving once after the broker
froze and the relay process was killed and restarted; a duplicated ``user.deleted`` applied
once; the enrollment events deciding who sees a section share."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms.notes.main import SERVICE
from lms_platform.messaging import (
    CATALOGUE,
    Envelope,
    decode_envelope,
    encode_envelope,
    ensure_topics,
    new_envelope,
    topic_name,
)
from lms_platform.messaging.headers import cloudevent_headers, encode_headers
from lms_platform.security.testing import TokenFactory
from lms_platform.testing import KafkaServer, consume_all
from lms_platform.testing.services import RunningService, running_service
from tests.notes.integration.conftest import COLLEGE, headers_for, seed_membership, seed_user

Service = RunningService[NotesSettings]


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.1)


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    yield producer
    await producer.stop()


async def publish(producer: AIOKafkaProducer, topic: str, envelope: Envelope) -> None:
    await producer.send_and_wait(
        topic, encode_envelope(envelope), key=envelope.subject.encode(),
        headers=encode_headers(cloudevent_headers(envelope)),
    )  # fmt: skip


async def test_a_notes_life_is_published_in_order(
    notes_service: Service, notes_db: AsyncIOMotorDatabase, kafka_bootstrap: str
) -> None:
    client, friend_id = notes_service.client, uuid.uuid4()
    await seed_user(notes_db, friend_id)
    me = headers_for(notes_service, uuid.uuid4())
    note = (await client.post("/notes", json={"title": "Life"}, headers=me)).json()
    path = f"/notes/{note['id']}"
    await client.patch(path, json={"body": "more", "version": 1}, headers=me)
    share = (await client.post(f"{path}/share", json={"kind": "user", "target_id": str(friend_id)},
                               headers=me)).json()  # fmt: skip
    await client.delete(f"{path}/shares/{share['id']}", headers=me)
    await client.delete(path, headers=me)
    records = await consume_all(
        kafka_bootstrap, topic_name("note", notes_service.settings.kafka_topic_prefix),
        expected=5, timeout=20, linger=0.5,
    )  # fmt: skip
    envelopes = [decode_envelope(r.value) for r in records]
    assert [e.type for e in envelopes] == [
        "note.created", "note.updated", "note.shared", "note.unshared", "note.deleted"
    ]  # fmt: skip
    assert {e.subject for e in envelopes} == {note["id"]}
    assert {r.key for r in records} == {note["id"].encode()}
    assert all(e.tenant == COLLEGE and e.source == "notes" for e in envelopes)
    updated = envelopes[1].data_as(dict)
    assert updated["changed_fields"] == ["body"] and updated["note"]["version"] == 2
    assert envelopes[2].data_as(dict)["share"]["target_id"] == str(friend_id)


@pytest.fixture
def writer_only(notes_settings: NotesSettings) -> NotesSettings:
    import msgspec

    return msgspec.structs.replace(notes_settings, run_relay=False, run_consumers=False)


class RelayProcess:
    """The service's ``worker`` in a process of its own, running the relay only."""

    def __init__(self, settings: NotesSettings) -> None:
        prefix = "LMS_NOTES_"
        self._env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(sys.path),
            f"{prefix}MONGO_URL": settings.mongo_url,
            f"{prefix}MONGO_DATABASE": settings.mongo_database,
            f"{prefix}KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            f"{prefix}KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
            f"{prefix}RUN_CONSUMERS": "false",
            f"{prefix}LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        code = "from lms.notes.main import run; run(['worker'])"
        self.process = subprocess.Popen([sys.executable, "-c", code], env=self._env)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def relay_process(writer_only: NotesSettings) -> Iterator[RelayProcess]:
    relay = RelayProcess(writer_only)
    yield relay
    relay.stop()


async def test_every_event_arrives_once_after_a_frozen_broker_and_a_killed_relay(
    writer_only: NotesSettings, tokens: TokenFactory, notes_db: AsyncIOMotorDatabase,
    kafka_server: KafkaServer, kafka_bootstrap: str, relay_process: RelayProcess,
) -> None:  # fmt: skip
    topic = topic_name("note", writer_only.kafka_topic_prefix)
    await ensure_topics(kafka_bootstrap, [CATALOGUE["note"]], writer_only.kafka_topic_prefix)
    async with running_service(SERVICE, writer_only, tokens=tokens) as service:
        relay_process.start()
        me = headers_for(service, uuid.uuid4())
        first = (await service.client.post("/notes", json={"title": "before"}, headers=me)).json()
        await eventually(lambda: _outbox_empty(notes_db))  # the relay works
        kafka_server.pause()
        try:
            ids = [first["id"]]
            for i in range(12):
                note = (
                    await service.client.post("/notes", json={"title": f"n{i}"}, headers=me)
                ).json()
                await service.client.patch(
                    f"/notes/{note['id']}", json={"body": "b", "version": 1}, headers=me
                )
                ids.append(note["id"])
            await asyncio.sleep(1.0)  # the relay has claimed rows and hangs on the frozen broker
            relay_process.kill()
        finally:
            kafka_server.resume()
        assert await notes_db["outbox"].count_documents({}) == 24  # nothing was lost meanwhile
        relay_process.start()
        await eventually(lambda: _outbox_empty(notes_db), timeout=60)
    records = await consume_all(kafka_bootstrap, topic, expected=25, timeout=30, linger=1.0)
    envelopes = [decode_envelope(r.value) for r in records]
    assert len(envelopes) == 25
    assert len({e.id for e in envelopes}) == 25  # once each
    by_note: dict[str, list[str]] = {}
    for envelope in envelopes:
        by_note.setdefault(envelope.subject, []).append(envelope.type)
    assert set(by_note) == set(ids)
    assert all(
        types == ["note.created", "note.updated"]
        for n, types in by_note.items()
        if n != first["id"]
    )


async def _outbox_empty(db: AsyncIOMotorDatabase) -> bool:
    return await db["outbox"].count_documents({}) == 0


async def test_a_duplicated_user_deleted_is_applied_once(
    notes_service: Service, notes_db: AsyncIOMotorDatabase, kafka_bootstrap: str,
    producer: AIOKafkaProducer,
) -> None:  # fmt: skip
    client, prefix = notes_service.client, notes_service.settings.kafka_topic_prefix
    leaver_id, friend_id = uuid.uuid4(), uuid.uuid4()
    await seed_user(notes_db, leaver_id)
    await seed_user(notes_db, friend_id)
    leaver, friend = headers_for(notes_service, leaver_id), headers_for(notes_service, friend_id)
    own = [
        (await client.post("/notes", json={"title": f"mine {i}"}, headers=leaver)).json()
        for i in range(2)
    ]
    kept = (await client.post("/notes", json={"title": "friend's"}, headers=friend)).json()
    share = await client.post(f"/notes/{kept['id']}/share",
                              json={"kind": "user", "target_id": str(leaver_id)}, headers=friend)  # fmt: skip
    assert share.status_code == 201

    deleted = new_envelope("user.deleted", "user", str(leaver_id), COLLEGE,
                           {"email": "x@demo.edu", "deleted_at": datetime.now(UTC).isoformat()})  # fmt: skip
    for _ in range(2):  # the same envelope twice, as a relay that crashed after the ack sends it
        await publish(producer, topic_name("user", prefix), deleted)

    async def gone() -> bool:
        return await notes_db["notes"].count_documents({"owner_id": str(leaver_id)}) == 0

    await eventually(gone, timeout=30)
    await asyncio.sleep(2.0)  # time for the duplicate to be consumed (and skipped)
    records = await consume_all(
        kafka_bootstrap, topic_name("note", prefix), expected=7, timeout=20, linger=1.0
    )
    types = [decode_envelope(r.value).type for r in records]
    # 3 created, 1 shared, then once: 2 deleted and 1 unshared.
    assert sorted(types) == sorted(
        ["note.created"] * 3 + ["note.shared", "note.deleted", "note.deleted", "note.unshared"]
    )
    stored = await notes_db["notes"].find_one({"_id": kept["id"]})
    assert stored is not None
    assert stored["shares"] == [] and stored["readers"] == [f"owner:{friend_id}"]
    assert await notes_db["processed_messages"].count_documents({"_id": {"$regex": "users"}}) == 1
    leaver_record = await notes_db["users"].find_one({"_id": str(leaver_id)})
    assert leaver_record is not None and leaver_record["deleted"] is True
    for note in own:
        assert (await client.get(f"/notes/{note['id']}", headers=leaver)).status_code == 404


async def test_enrollment_events_decide_who_sees_a_section_share(
    notes_service: Service, notes_db: AsyncIOMotorDatabase, producer: AIOKafkaProducer,
) -> None:  # fmt: skip
    client, prefix = notes_service.client, notes_service.settings.kafka_topic_prefix
    section, course, owner_id, student_id = (uuid.uuid4() for _ in range(4))
    await seed_membership(notes_db, owner_id, section, course)
    owner, student = headers_for(notes_service, owner_id), headers_for(notes_service, student_id)
    note = (await client.post("/notes", json={"title": "For the section"}, headers=owner)).json()
    shared = await client.post(f"/notes/{note['id']}/share",
                               json={"kind": "section", "target_id": str(section)}, headers=owner)  # fmt: skip
    assert shared.status_code == 201
    enrollment = uuid.uuid4()

    def event(kind: str, state: str, version: int) -> Envelope:
        snapshot = {"id": str(enrollment), "user_id": str(student_id), "section_id": str(section),
                    "course_id": str(course), "role": "student", "state": state,
                    "version": version, "updated_at": datetime.now(UTC).isoformat(),
                    "deleted_at": datetime.now(UTC).isoformat() if kind == "deleted" else None}  # fmt: skip
        return new_envelope(
            f"enrollment.{kind}", "course", str(enrollment), COLLEGE, {"enrollment": snapshot}
        )

    async def sees() -> bool:
        return (await client.get(f"/notes/{note['id']}", headers=student)).status_code == 200

    async def does_not_see() -> bool:
        return not await sees()

    assert await does_not_see()
    await publish(producer, topic_name("enrollment", prefix), event("created", "active", 1))
    await eventually(sees, timeout=30)
    await publish(producer, topic_name("enrollment", prefix), event("deleted", "dropped", 2))
    await eventually(does_not_see, timeout=30)
    # A stale replay of the first event changes nothing.
    await publish(producer, topic_name("enrollment", prefix), event("created", "active", 1))
    await asyncio.sleep(2.0)
    assert await does_not_see()
