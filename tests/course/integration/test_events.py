"""Events out through the outbox, read with a plain aiokafka consumer; user.* in, idempotent."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from lms_platform.membership.events import EnrollmentEvent as PlatformEnrollmentEvent
from lms_platform.messaging import decode_envelope, encode_envelope, new_envelope
from tests.course.integration.conftest import COLLEGE, CourseApi


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0) -> list[Any]:
    """A plain consumer, as any other service would run one: from the start, no group."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False,
        fetch_max_wait_ms=100,
    )  # fmt: skip
    await consumer.start()
    records: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(records) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for partition_records in batch.values():
                records.extend(partition_records)
        # A little longer: anything beyond ``expected`` would be a duplicate.
        for partition_records in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def _publish(bootstrap: str, topic: str, key: str, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(
                topic, value, key=key.encode(), headers=[("source", b"test")]
            )
    finally:
        await producer.stop()


async def _wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


@pytest.mark.with_relay
async def test_enrollment_created_reaches_a_plain_consumer_with_the_full_envelope(
    api: CourseApi, kafka_bootstrap: str
) -> None:
    course = await api.create_course()
    section = await api.create_section(course["id"])
    student = await api.add_user()
    enrollment = await api.enroll(section["id"], student)
    observer = await api.add_user()
    watching = await api.enroll(section["id"], observer, "observer", observed_user_id=student)

    topic = f"{api.service.settings.kafka_topic_prefix}enrollment"
    records = await read_topic(kafka_bootstrap, topic, expected=2)
    assert len(records) == 2
    assert {r.key for r in records} == {section["id"].encode()}  # keyed by section: in order
    first = decode_envelope(records[0].value)
    assert first.type == "enrollment.created"
    assert first.specversion == "1.0" and first.schemaversion == 1
    uuid.UUID(first.id)
    assert first.source == "course"
    assert first.subject == enrollment["id"]
    assert first.tenant == COLLEGE
    assert isinstance(first.time, datetime) and first.time.tzinfo is not None
    assert first.traceparent and first.traceparent.startswith("00-")
    data = msgspec.json.decode(first.data)
    assert data["section_id"] == section["id"]
    snapshot = data["enrollment"]
    assert snapshot == {
        "id": enrollment["id"], "user_id": student, "section_id": section["id"],
        "course_id": course["id"], "role": "student", "state": "active",
        "observed_user_id": None, "version": 1, "created_at": snapshot["created_at"],
        "updated_at": snapshot["updated_at"], "deleted_at": None,
    }  # fmt: skip
    datetime.fromisoformat(snapshot["created_at"])
    # What every other service's membership projection decodes (lms_platform.membership).
    decoded = first.data_as(PlatformEnrollmentEvent).enrollment
    assert (str(decoded.id), decoded.role, decoded.state, decoded.version) == (
        enrollment["id"], "student", "active", 1,
    )  # fmt: skip
    second = msgspec.json.decode(decode_envelope(records[1].value).data)["enrollment"]
    assert second["id"] == watching["id"] and second["observed_user_id"] == student
    headers = {name: value.decode() for name, value in records[0].headers}
    assert headers["ce_type"] == "enrollment.created" and headers["ce_id"] == first.id

    course_records = await read_topic(
        kafka_bootstrap, f"{api.service.settings.kafka_topic_prefix}course", expected=2
    )
    assert [decode_envelope(r.value).type for r in course_records] == [
        "course.created",
        "section.created",
    ]
    assert {r.key for r in course_records} == {course["id"].encode()}  # sections keyed by course


def user_event(
    event_type: str, user_id: str, data: dict[str, Any], college: str = COLLEGE
) -> bytes:
    return encode_envelope(new_envelope(event_type, "user", user_id, college, data))


def profile(user_id: str, version: int, **fields: Any) -> dict[str, Any]:
    return {"profile": {
        "id": user_id, "email": "Ada@Example.edu", "display_name": "Ada", "status": "active",
        "version": version, **fields,
    }}  # fmt: skip


@pytest.mark.with_relay
@pytest.mark.with_consumers
async def test_users_read_model_and_a_duplicated_user_deleted_is_applied_once(
    api: CourseApi, kafka_bootstrap: str
) -> None:
    service = api.service
    prefix = service.settings.kafka_topic_prefix
    user_id = str(uuid.uuid4())
    await asyncio.wait_for(service.runtime.consumers.started.wait(), 30)
    await _publish(
        kafka_bootstrap, f"{prefix}user", user_id,
        user_event("user.created", user_id, profile(user_id, 1)),
        user_event("user.updated", user_id, profile(user_id, 3, display_name="Ada L.")),
        user_event("user.updated", user_id, profile(user_id, 2, display_name="Stale")),  # older: ignored
    )  # fmt: skip

    async def known() -> bool:
        return await service.scalar("SELECT count(*) FROM processed_messages") == 3

    await _wait_for(known)
    assert (
        await service.scalar(
            "SELECT display_name FROM known_users WHERE id = $1", uuid.UUID(user_id)
        )
        == "Ada L."
    )

    # The user enrolls in two sections (seats in one of them are contested), then is deleted.
    course = await api.create_course()
    full = await api.create_section(course["id"], "A", capacity=1, waitlist=True)
    other = await api.create_section(course["id"], "B")
    await api.enroll(full["id"], user_id)
    await api.enroll(other["id"], user_id)
    waiting = await api.enroll(full["id"], await api.add_user())
    assert waiting["state"] == "waitlisted"

    deleted = user_event(
        "user.deleted",
        user_id,
        {"email": "ada@example.edu", "deleted_at": datetime.now(UTC).isoformat()},
    )
    await _publish(kafka_bootstrap, f"{prefix}user", user_id, deleted, deleted)  # a redelivery

    async def both_handled() -> bool:
        return await _consumed(api) >= 5

    await _wait_for(both_handled)
    assert await service.scalar("SELECT count(*) FROM processed_messages") == 4  # once
    assert (
        await service.scalar(
            "SELECT count(*) FROM enrollments WHERE user_id = $1 AND deleted_at IS NOT NULL",
            uuid.UUID(user_id),
        )
        == 2
    )
    assert (
        await service.scalar(
            "SELECT state FROM enrollments WHERE id = $1", uuid.UUID(waiting["id"])
        )
        == "active"
    )
    assert (
        await service.scalar("SELECT status FROM known_users WHERE id = $1", uuid.UUID(user_id))
        == "deleted"
    )

    records = await read_topic(kafka_bootstrap, f"{prefix}enrollment", expected=6)
    types = [decode_envelope(r.value).type for r in records]
    # 3 created; then, once only: 2 deleted and the waitlisted student's promotion.
    assert sorted(types) == ["enrollment.created"] * 3 + ["enrollment.deleted"] * 2 + [
        "enrollment.updated"
    ]

    # A late user.created (a replay) does not revive them, and they cannot be enrolled again.
    await _publish(
        kafka_bootstrap,
        f"{prefix}user",
        user_id,
        user_event("user.created", user_id, profile(user_id, 9)),
    )

    async def replay_handled() -> bool:
        return await service.scalar("SELECT count(*) FROM processed_messages") == 5

    await _wait_for(replay_handled)
    assert (
        await service.scalar("SELECT status FROM known_users WHERE id = $1", uuid.UUID(user_id))
        == "deleted"
    )
    refused = await api.client.post(
        f"/sections/{other['id']}/enrollments", json={"user_id": user_id}, headers=api.admin()
    )
    assert refused.status_code == 422


@pytest.mark.with_consumers
async def test_a_user_event_that_does_not_fit_goes_to_the_dead_letter_topic(
    api: CourseApi, kafka_bootstrap: str
) -> None:
    service = api.service
    topic = f"{service.settings.kafka_topic_prefix}user"
    await asyncio.wait_for(service.runtime.consumers.started.wait(), 30)
    user_id = str(uuid.uuid4())
    broken = user_event("user.created", user_id, {"profile": {"id": user_id}})
    await _publish(kafka_bootstrap, topic, user_id, b"\xff not an envelope", broken)
    dead = await read_topic(kafka_bootstrap, f"{topic}.dlq", expected=2)
    assert [r.value for r in dead] == [b"\xff not an envelope", broken]
    headers = {name: value.decode() for name, value in dead[1].headers}
    assert headers["x-dlq-original-topic"] == topic and headers["x-dlq-error"]
    assert await service.scalar("SELECT count(*) FROM known_users") == 0


async def _consumed(api: CourseApi) -> int:
    text = (await api.client.get("/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("kafka_messages_consumed_total{")
            and 'service="course"' in line
            and ('outcome="processed"' in line or 'outcome="duplicate"' in line)
            and api.service.settings.kafka_topic_prefix in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)
