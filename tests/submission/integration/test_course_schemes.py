"""Each course's grading scheme from the course service's events (course-shaped envelopes sent
with a plain aiokafka producer): letter-graded work is graded with the course's letters, a
duplicate or an older event changes nothing, and a scheme that breaks the rules goes to the
dead-letter topic without touching the copy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec

from lms_platform.messaging import dlq_topic_name, encode_envelope, new_envelope
from lms_platform.testing.kafka import consume_all
from tests.submission.integration.conftest import COLLEGE, World
from tests.submission.integration.test_events import publish, wait_for

HONOURS = [
    {"name": "Dist", "min_percent": 85.0}, {"name": "Merit", "min_percent": 72.5},
    {"name": "Pass", "min_percent": 50.0}, {"name": "Fail", "min_percent": 0.0},
]  # fmt: skip
PASS_FAIL = [{"name": "P", "min_percent": 60}, {"name": "NP", "min_percent": 0}]


def course_event(
    world: World, kind: str, version: int, scheme: list[dict[str, Any]] | None, *,
    event_id: str | None = None, college: str = COLLEGE,
) -> bytes:  # fmt: skip
    """As the course service publishes it (docs/services/course.md, "Events")."""
    course = {
        "id": str(world.course_id), "code": "CS101", "title": "Intro", "term_id": None,
        "start_date": None, "end_date": None, "status": "published", "owner_id": "someone",
        "grading_scheme": scheme, "version": version, "updated_at": datetime.now(UTC).isoformat(),
    }  # fmt: skip
    envelope = new_envelope(
        kind, "course", str(world.course_id), college, {"course": course, "changed_fields": []}
    )
    if event_id is not None:
        envelope = msgspec.structs.replace(envelope, id=event_id)
    return encode_envelope(envelope)


async def processed(world: World) -> int:
    return int(
        await world.service.scalar(
            "SELECT count(*) FROM processed_messages WHERE consumer = 'submission.course-events'"
        )
    )


async def grade(world: World, assignment: uuid.UUID, score: float) -> str:
    submission = await world.text_submission(assignment)
    graded = await world.client.post(
        f"/submissions/{submission}/grade", json={"score": score}, headers=world.as_ta()
    )
    assert graded.status_code == 200, graded.text
    return str(graded.json()["grade"])


async def test_letters_come_from_the_course_scheme_at_its_newest_version(
    world: World, kafka_bootstrap: str
) -> None:
    topic = f"{world.service.settings.kafka_topic_prefix}course"
    key = str(world.course_id)
    letters = await world.assignment(grading_type="letter_grade")
    gpa = await world.assignment(grading_type="gpa_scale")
    # Before any course event: Canvas's default scheme.
    assert await grade(world, letters, 7.3) == "C-"

    created = course_event(world, "course.created", 1, PASS_FAIL, event_id=str(uuid.uuid4()))
    updated = course_event(world, "course.updated", 3, HONOURS)
    stale = course_event(world, "course.updated", 2, PASS_FAIL)
    section = encode_envelope(
        new_envelope("section.created", "course", str(uuid.uuid4()), COLLEGE, {"section": {}})
    )
    # Twice the same event, the newer version, a stale one arriving late, and a section event
    # (same topic, not this consumer's).
    await publish(kafka_bootstrap, topic, key, created, created, updated, stale, section)

    async def all_seen() -> bool:
        return await processed(world) == 3

    await wait_for(all_seen)
    kept = await world.service.scalar(
        "SELECT version FROM grading_scheme_copies WHERE course_id = $1", world.course_id
    )
    assert kept == 3
    # 7.25 of 10 is exactly on Merit's floor; 7.24 is below it; 0 is the lowest letter.
    third = uuid.uuid4()
    await world.enroll(third, "student")
    assert await grade(world, letters, 7.25) == "Merit"  # regrades the student's submission
    submission = await world.text_submission(letters, third)
    below = await world.client.post(
        f"/submissions/{submission}/grade", json={"score": 7.24}, headers=world.as_ta()
    )
    assert below.json()["grade"] == "Pass"
    zero = await world.client.post(
        f"/submissions/{submission}/grade", json={"score": 0}, headers=world.as_ta()
    )
    assert zero.json()["grade"] == "Fail"
    extra = await world.client.post(
        f"/submissions/{submission}/grade", json={"score": 12}, headers=world.as_ta()
    )
    assert extra.json()["grade"] == "Dist"  # over 100 %: the top letter
    # Letters without a GPA: gpa_scale work is graded on the default scheme (90 %: A-, 3.7).
    assert await grade(world, gpa, 9.0) == "3.7"

    # Back to the default scheme (null) at a newer version, then a redelivery of an old event
    # and an older version under a new id: neither brings the course's letters back.
    reset = course_event(world, "course.published", 4, None)
    older = course_event(world, "course.updated", 3, HONOURS)
    await publish(kafka_bootstrap, topic, key, reset, updated, older)

    async def reset_seen() -> bool:
        return await processed(world) == 5

    await wait_for(reset_seen)
    assert await world.service.scalar(
        "SELECT version FROM grading_scheme_copies WHERE course_id = $1", world.course_id
    ) == 4  # fmt: skip
    assert await grade(world, letters, 7.3) == "C-"


async def test_a_scheme_that_breaks_the_rules_is_dead_lettered(
    world: World, kafka_bootstrap: str
) -> None:
    settings = world.service.settings
    topic = f"{settings.kafka_topic_prefix}course"
    key = str(world.course_id)
    good = course_event(world, "course.created", 1, HONOURS)
    await publish(kafka_bootstrap, topic, key, good)

    async def kept() -> bool:
        return await processed(world) == 1

    await wait_for(kept)
    no_zero = course_event(world, "course.updated", 2, [{"name": "A", "min_percent": 50}])
    unsorted = course_event(world, "course.updated", 3, [*reversed(HONOURS)])
    mistyped = course_event(world, "course.updated", 4, [{"name": "A", "min_percent": "0"}])
    no_tenant = course_event(world, "course.updated", 5, None, college="")
    await publish(kafka_bootstrap, topic, key, no_zero, unsorted, mistyped, no_tenant)
    records = await consume_all(kafka_bootstrap, dlq_topic_name(topic), expected=4, timeout=30)
    assert len(records) == 4
    headers = [dict(r.headers) for r in records]
    assert all(h["x-dlq-consumer-group"] == settings.consumer_group_id.encode() for h in headers)
    assert await world.service.scalar(
        "SELECT version FROM grading_scheme_copies WHERE course_id = $1", world.course_id
    ) == 1  # fmt: skip
    letters = await world.assignment(grading_type="letter_grade")
    assert await grade(world, letters, 7.3) == "Merit"
