"""Events out through the outbox, read with a plain aiokafka consumer; ``assignment.*`` and
``enrollment.*`` in, delivered twice and out of order, kept once at the newest version."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from lms_platform.messaging import decode_envelope, encode_envelope, new_envelope
from tests.submission.integration.conftest import COLLEGE, World


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
            for partition_records in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(partition_records)
        for partition_records in (await consumer.getmany(timeout_ms=1000)).values():
            records.extend(partition_records)  # anything beyond ``expected`` is a duplicate
    finally:
        await consumer.stop()
    return records


async def publish(bootstrap: str, topic: str, key: str, *values: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key.encode())
    finally:
        await producer.stop()


async def wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_submission_and_grade_events_reach_a_plain_consumer(
    world: World, kafka_bootstrap: str
) -> None:
    assignment = await world.assignment(allowed_attempts=2)
    first = (await world.client.post(
        "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "v1"}, headers=world.as_student()
    )).json()  # fmt: skip
    await world.client.put(
        f"/submissions/{first['id']}",
        json={"kind": "text", "text": "v2"},
        headers=world.as_student(),
    )
    graded = await world.client.post(
        f"/submissions/{first['id']}/grade", json={"score": 8}, headers=world.as_ta()
    )
    assert graded.status_code == 200, graded.text
    prefix = world.service.settings.kafka_topic_prefix

    records = await read_topic(kafka_bootstrap, f"{prefix}submission", expected=2)
    assert [decode_envelope(r.value).type for r in records] == [
        "submission.created",
        "submission.resubmitted",
    ]
    assert {r.key for r in records} == {first["id"].encode()}
    envelope = decode_envelope(records[1].value)
    assert (
        envelope.source == "submission"
        and envelope.tenant == COLLEGE
        and envelope.subject == first["id"]
    )
    data = msgspec.json.decode(envelope.data)["submission"]
    assert (
        data["attempt"] == 2
        and data["student_id"] == str(world.student)
        and data["state"] == "submitted"
    )

    grades = await read_topic(kafka_bootstrap, f"{prefix}grade", expected=2)
    assert [decode_envelope(r.value).type for r in grades] == ["grade.recorded", "grade.posted"]
    recorded = msgspec.json.decode(decode_envelope(grades[0].value).data)["submission"]
    assert recorded["score"] == 8.0 and recorded["graded_by"] == str(world.ta)


def _assignment_event(
    event_type: str, snapshot: dict[str, Any], event_id: str | None = None
) -> bytes:
    envelope = new_envelope(event_type, "assignment", snapshot["id"], COLLEGE,
                            {"assignment": snapshot, "changed_fields": []})  # fmt: skip
    if event_id is not None:
        envelope = msgspec.structs.replace(envelope, id=event_id)
    return encode_envelope(envelope)


async def test_assignment_and_enrollment_events_build_the_read_models_once(
    world: World, kafka_bootstrap: str
) -> None:
    prefix = world.service.settings.kafka_topic_prefix
    newcomer = uuid.uuid4()
    enrollment: dict[str, Any] = {
        "id": str(uuid.uuid4()), "user_id": str(newcomer), "section_id": str(world.section_id),
        "course_id": str(world.course_id), "role": "student", "state": "active", "version": 1,
        "updated_at": datetime.now(UTC).isoformat(), "observed_user_id": None, "deleted_at": None,
    }  # fmt: skip
    enrolled = encode_envelope(
        new_envelope(
            "enrollment.created", "course", enrollment["id"], COLLEGE, {"enrollment": enrollment}
        )
    )
    await publish(kafka_bootstrap, f"{prefix}enrollment", str(world.section_id), enrolled, enrolled)

    now = datetime.now(UTC)
    snapshot: dict[str, Any] = {
        "id": str(uuid.uuid4()), "course_id": str(world.course_id), "section_ids": [], "title": "Lab",
        "status": "published", "unlock_at": None, "due_at": (now + timedelta(days=1)).isoformat(),
        "lock_at": None, "points_possible": 5.0, "grading_type": "points", "submission_types": ["text"],
        "file_rules": {"allowed_extensions": [], "max_file_bytes": None, "multiple_files": False},
        "allowed_attempts": 1, "anonymous_grading": False, "grade_posting": "automatic", "locked": False,
        "overrides": [], "deleted_at": None, "version": 1,
    }  # fmt: skip
    created = _assignment_event("assignment.created", snapshot, event_id=str(uuid.uuid4()))
    updated = _assignment_event(
        "assignment.updated", {**snapshot, "allowed_attempts": 2, "version": 2}
    )
    stale = _assignment_event(
        "assignment.updated", {**snapshot, "allowed_attempts": 9, "version": 1}
    )
    # Twice the same event, the newer version, then a stale one arriving late.
    await publish(
        kafka_bootstrap, f"{prefix}assignment", snapshot["id"], created, created, updated, stale
    )

    async def copied() -> bool:
        processed = await world.service.scalar(
            "SELECT count(*) FROM processed_messages WHERE consumer = 'submission.assignment-events'"
        )
        return bool(processed == 3)

    await wait_for(copied)
    kept = await world.service.scalar(
        "SELECT snapshot FROM assignment_copies WHERE id = $1", uuid.UUID(snapshot["id"])
    )
    kept = json.loads(kept) if isinstance(kept, str) else kept
    assert kept["version"] == 2 and kept["allowed_attempts"] == 2

    async def member() -> bool:
        return bool(
            await world.service.scalar(
                "SELECT count(*) FROM memberships WHERE user_id = $1", newcomer
            )
        )

    await wait_for(member)
    assert (
        await world.service.scalar("SELECT count(*) FROM memberships WHERE user_id = $1", newcomer)
        == 1
    )
    # The newcomer may now hand in, twice (version 2 allows two attempts), not three times.
    headers = world.as_student(newcomer)
    body = {"assignment_id": snapshot["id"], "kind": "text", "text": "done"}
    first = await world.client.post("/submissions", json=body, headers=headers)
    second = await world.client.post("/submissions", json=body, headers=headers)
    third = await world.client.post("/submissions", json=body, headers=headers)
    assert (first.status_code, second.status_code, third.status_code) == (201, 201, 409), third.text


async def test_every_change_to_a_submission_is_announced_once(
    world: World, kafka_bootstrap: str
) -> None:
    """No ``submission.updated`` (docs/services/submission.md, "Events"): ``PUT`` hands in a new
    attempt (``submission.resubmitted``) and a grader's change without a score, a comment or a
    late-status override, is ``grade.recorded``; each change is one event, with the envelope and
    snapshot of every other."""
    assignment = await world.assignment(grade_posting="manual")
    first = await world.text_submission(assignment)
    put = await world.client.put(
        f"/submissions/{first}", json={"kind": "text", "text": "v2"}, headers=world.as_student()
    )
    assert put.status_code == 200 and put.json()["attempt"] == 2
    for body in ({"comment": "Cite your sources"}, {"late_status": "extended"}):
        graded = await world.client.post(
            f"/submissions/{first}/grade", json=body, headers=world.as_ta()
        )
        assert graded.status_code == 200, graded.text
    posted = await world.client.post(
        f"/assignments/{assignment}/grades/post", headers=world.as_teacher()
    )
    assert posted.json() == {"posted": 1}
    prefix = world.service.settings.kafka_topic_prefix
    handed = await read_topic(kafka_bootstrap, f"{prefix}submission", expected=2)
    graded_events = await read_topic(kafka_bootstrap, f"{prefix}grade", expected=3)
    envelopes = [decode_envelope(r.value) for r in (*handed, *graded_events)]
    assert [e.type for e in envelopes] == [
        "submission.created", "submission.resubmitted",
        "grade.recorded", "grade.recorded", "grade.posted",
    ]  # fmt: skip
    assert {r.key for r in (*handed, *graded_events)} == {first.encode()}
    assert all(
        e.source == "submission" and e.tenant == COLLEGE and e.subject == first for e in envelopes
    )
    snapshots = [msgspec.json.decode(e.data)["submission"] for e in envelopes]
    assert [s["attempt"] for s in snapshots] == [1, 2, 2, 2, 2]
    # Nothing was scored, so the state stays submitted; the comment is posted all the same.
    assert [s["state"] for s in snapshots] == ["submitted"] * 5
    assert [s["posted_at"] is not None for s in snapshots] == [False] * 4 + [True]
    assert snapshots[3]["late"] is False and snapshots[3]["score"] is None
    versions = [s["version"] for s in snapshots]
    assert versions == sorted(set(versions))  # each event a newer version of the submission
