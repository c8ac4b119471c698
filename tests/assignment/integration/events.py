"""Course-shaped events, built and published as the course service would (its payloads:
docs/services/course.md), with a plain aiokafka producer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer

from lms_platform.messaging import Envelope, encode_envelope, new_envelope, topic_name


def enrollment_envelope(
    kind: str,
    *,
    college: str,
    enrollment_id: uuid.UUID,
    user_id: uuid.UUID,
    section_id: uuid.UUID,
    course_id: uuid.UUID,
    version: int,
    state: str = "active",
    role: str = "student",
) -> Envelope:
    now = datetime.now(UTC).isoformat()
    enrollment = {
        "id": str(enrollment_id),
        "user_id": str(user_id),
        "section_id": str(section_id),
        "course_id": str(course_id),
        "role": role,
        "state": state,
        "observed_user_id": None,
        "version": version,
        "created_at": now,
        "updated_at": now,
        "deleted_at": now if kind == "enrollment.deleted" else None,
    }
    data = {"section_id": str(section_id), "changed_fields": ["state"], "enrollment": enrollment}
    return new_envelope(kind, "course", str(enrollment_id), college, data)


def course_envelope(
    kind: str, *, college: str, course_id: uuid.UUID, status: str, version: int
) -> Envelope:
    course = {
        "id": str(course_id),
        "code": "CS101",
        "title": "Intro",
        "term_id": None,
        "start_date": None,
        "end_date": None,
        "status": status,
        "owner_id": "someone",
        "version": version,
        "updated_at": datetime.now(UTC).isoformat(),
    }
    return new_envelope(
        kind, "course", str(course_id), college, {"course": course, "changed_fields": ["status"]}
    )


async def publish(
    bootstrap: str, namespace: str, topic: str, keyed: Iterable[tuple[str, Envelope | bytes]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for key, value in keyed:
            payload = value if isinstance(value, bytes) else encode_envelope(value)
            await producer.send_and_wait(topic_name(topic, namespace), payload, key=key.encode())
    finally:
        await producer.stop()


async def wait_for(
    predicate: Callable[[], Awaitable[bool]], what: str, timeout: float = 30.0
) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not in {timeout:g} s: {what}")
        await asyncio.sleep(0.1)


def decoded(records: Iterable[Any]) -> list[tuple[str, Envelope]]:
    from lms_platform.messaging import decode_envelope

    return [(record.key.decode(), decode_envelope(record.value)) for record in records]
