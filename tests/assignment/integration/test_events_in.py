"""Events in, as the course service publishes them (course-shaped envelopes sent with aiokafka):
an enrollment makes an assignment visible to that student with no call between services, a
drop hides it again, and replaying everything (twice, or out of order) changes nothing; an
archived course locks its assignments; what cannot be decoded goes to the dead-letter topic."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lms_platform.membership import MEMBERSHIP_CONSUMER
from lms_platform.messaging import dlq_topic_name, topic_name
from lms_platform.testing.kafka import consume_all
from tests.assignment.integration.conftest import COLLEGE, AssignmentApi
from tests.assignment.integration.events import (
    course_envelope,
    enrollment_envelope,
    publish,
    wait_for,
)

pytestmark = pytest.mark.with_consumers


async def _processed(api: AssignmentApi, consumer: str) -> int:
    return int(
        await api.service.scalar(
            "SELECT count(*) FROM processed_messages WHERE consumer = $1", consumer
        )
    )


async def test_enrollment_shows_and_a_drop_hides_and_replays_change_nothing(
    api: AssignmentApi,
) -> None:
    assignment = await api.create(section_ids=[str(api.cast.section_a)])
    newcomer, enrollment_id = uuid.uuid4(), uuid.uuid4()
    path = f"/assignments/{assignment['id']}"
    as_newcomer = api.token(newcomer)
    assert (await api.client.get(path, headers=as_newcomer)).status_code == 404

    settings = api.service.settings
    bootstrap, namespace = settings.kafka_bootstrap_servers, settings.kafka_topic_prefix
    section = str(api.cast.section_a)
    common: dict[str, Any] = {
        "college": COLLEGE,
        "enrollment_id": enrollment_id,
        "user_id": newcomer,
        "section_id": api.cast.section_a,
        "course_id": api.cast.course_id,
    }
    enrolled = enrollment_envelope("enrollment.created", version=1, **common)
    await publish(bootstrap, namespace, "enrollment", [(section, enrolled)])

    async def visible() -> bool:
        return (await api.client.get(path, headers=as_newcomer)).status_code == 200

    await wait_for(visible, "the enrolled student sees the assignment")
    mine = await api.client.get("/me/assignments", headers=as_newcomer)
    assert [a["id"] for a in mine.json()["items"]] == [assignment["id"]]

    dropped = enrollment_envelope("enrollment.updated", version=2, state="dropped", **common)
    await publish(bootstrap, namespace, "enrollment", [(section, dropped)])

    async def hidden() -> bool:
        return (await api.client.get(path, headers=as_newcomer)).status_code == 404

    await wait_for(hidden, "the dropped student no longer sees it")
    assert (await api.client.get("/me/assignments", headers=as_newcomer)).json()["items"] == []
    consumer = f"assignment.{MEMBERSHIP_CONSUMER}"
    assert await _processed(api, consumer) == 2

    # The same two events again, twice, and the first one re-sent under a new id (a replay
    # from the course service's snapshot feed): the newest version stays.
    resent = enrollment_envelope("enrollment.created", version=1, **common)
    await publish(
        bootstrap, namespace, "enrollment",
        [(section, enrolled), (section, dropped), (section, enrolled), (section, dropped),
         (section, resent)],
    )  # fmt: skip

    async def resent_applied() -> bool:
        return await _processed(api, consumer) == 3  # duplicates skipped, the new id recorded

    await wait_for(resent_applied, "the replay is consumed")
    assert (await api.client.get(path, headers=as_newcomer)).status_code == 404
    row = await api.service.scalar(
        "SELECT state || ':' || version FROM memberships WHERE enrollment_id = $1", enrollment_id
    )
    assert row == "dropped:2"


async def test_an_archived_course_locks_its_assignments(api: AssignmentApi) -> None:
    first = await api.create()
    second = await api.create(status="draft")
    settings = api.service.settings
    archived = course_envelope(
        "course.archived", college=COLLEGE, course_id=api.cast.course_id, status="archived",
        version=7,
    )  # fmt: skip
    # A section.* event on the same topic is ignored; the archive comes twice.
    section_event = course_envelope(
        "section.updated", college=COLLEGE, course_id=api.cast.course_id, status="x", version=1
    )
    key = str(api.cast.course_id)
    await publish(
        settings.kafka_bootstrap_servers, settings.kafka_topic_prefix, "course",
        [(key, section_event), (key, archived), (key, archived)],
    )  # fmt: skip

    async def locked() -> bool:
        return await api.service.scalar("SELECT count(*) FROM assignments WHERE locked") == 2

    await wait_for(locked, "the course's assignments are locked")
    refused = await api.client.patch(
        f"/assignments/{first['id']}", json={"title": "x"}, headers=api.as_("instructor")
    )
    assert refused.status_code == 409 and refused.json()["code"] == "assignment_locked"
    new = await api.client.post(
        "/assignments",
        json={"course_id": key, "title": "After the archive"},
        headers=api.as_("instructor"),
    )
    assert new.status_code == 409 and new.json()["code"] == "course_archived"
    assert await api.service.scalar("SELECT status FROM known_courses") == "archived"
    assert await api.service.scalar("SELECT sum(version) FROM assignments") == 4  # one lock each
    assert (
        await api.service.scalar(
            "SELECT count(*) FROM outbox WHERE event_type = 'assignment.updated'"
        )
        == 2
    )
    seen = await api.client.get(f"/assignments/{second['id']}", headers=api.as_("ta"))
    assert seen.json()["locked"] is True


async def test_an_undecodable_event_goes_to_the_dead_letter_topic(api: AssignmentApi) -> None:
    settings = api.service.settings
    bootstrap, namespace = settings.kafka_bootstrap_servers, settings.kafka_topic_prefix
    no_tenant = course_envelope(
        "course.archived", college="", course_id=uuid.uuid4(), status="archived", version=1
    )
    await publish(bootstrap, namespace, "course", [("k", b"not json"), ("k", no_tenant)])
    records = await consume_all(
        bootstrap, dlq_topic_name(topic_name("course", namespace)), expected=2, timeout=30
    )
    headers = [dict(r.headers) for r in records]
    assert all(h["x-dlq-consumer-group"] == settings.consumer_group_id.encode() for h in headers)
    assert await api.service.scalar("SELECT count(*) FROM known_courses") == 1  # the cast's only
