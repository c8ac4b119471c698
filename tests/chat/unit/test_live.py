"""The live channel: who is told of an assignment (pure rules), and the ``live`` frame as the
AsyncAPI document declares it (each kind's ``data`` with exactly its dataclass's fields)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from lms.chat.adapters.http.asyncapi import asyncapi_document
from lms.chat.adapters.realtime.frames import SERVER_EVENTS, live_frame
from lms.chat.application.live import LiveLimits, PushLive
from lms.chat.domain.live import (
    LIVE_BODIES,
    AssignmentPublished,
    GradePosted,
    InAppNotification,
    LiveKind,
    LiveNotice,
    assignment_audience,
    visible_to_students,
)
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
COURSE, S1, S2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def member(
    role: SectionRole = SectionRole.STUDENT, section: uuid.UUID = S1, *,
    state: EnrollmentState = EnrollmentState.ACTIVE, course: uuid.UUID = COURSE,
) -> Membership:  # fmt: skip
    return Membership("college-a", uuid.uuid4(), section, course, role, state)


def assignment(
    sections: tuple[uuid.UUID, ...] = (S1,), unlock_at: datetime | None = None
) -> AssignmentPublished:
    return AssignmentPublished(
        assignment_id=uuid.uuid4(), course_id=COURSE, section_ids=sections, title="Essay",
        unlock_at=unlock_at, due_at=None,
    )  # fmt: skip


def test_the_active_students_and_staff_of_its_sections_are_told() -> None:
    student, ta, instructor, designer = (
        member(), member(SectionRole.TEACHING_ASSISTANT), member(SectionRole.INSTRUCTOR),
        member(SectionRole.DESIGNER),
    )  # fmt: skip
    left_out = [
        member(SectionRole.OBSERVER),
        member(state=EnrollmentState.DROPPED),
        member(state=EnrollmentState.INVITED),
        member(section=S2),
        member(SectionRole.INSTRUCTOR, section=S2),
        member(course=uuid.uuid4()),
    ]
    everyone = [student, ta, instructor, designer, *left_out]
    told = assignment_audience(assignment(), everyone, students_too=True)
    assert told == {student.user_id, ta.user_id, instructor.user_id, designer.user_id}
    staff_only = assignment_audience(assignment(), everyone, students_too=False)
    assert staff_only == {ta.user_id, instructor.user_id, designer.user_id}


def test_an_assignment_for_no_section_is_for_every_section_of_its_course() -> None:
    mine, other, elsewhere = member(section=S1), member(section=S2), member(course=uuid.uuid4())
    told = assignment_audience(assignment(()), [mine, other, elsewhere], students_too=True)
    assert told == {mine.user_id, other.user_id}


def test_students_hear_of_it_once_it_has_unlocked_or_was_announced() -> None:
    assert visible_to_students(assignment(unlock_at=None), False, NOW)
    assert visible_to_students(assignment(unlock_at=NOW - timedelta(minutes=1)), False, NOW)
    assert not visible_to_students(assignment(unlock_at=NOW + timedelta(days=1)), False, NOW)
    assert visible_to_students(assignment(unlock_at=NOW + timedelta(days=1)), True, NOW)


class Fanout:
    def __init__(self) -> None:
        self.pushed: list[tuple[str, list[str], LiveNotice]] = []

    async def live(self, tenant_id: str, user_ids: Any, notice: LiveNotice) -> None:
        self.pushed.append((tenant_id, list(user_ids), notice))


class Memberships:
    def __init__(self, *memberships: Membership) -> None:
        self._all = memberships

    async def in_course(self, tenant_id: str, course_id: uuid.UUID) -> list[Membership]:
        return [m for m in self._all if m.tenant_id == tenant_id and m.course_id == course_id]


class Clock:
    def now(self) -> datetime:
        return NOW


async def test_an_event_older_than_the_limit_is_pushed_to_nobody() -> None:
    student = member()
    fanout = Fanout()
    push = PushLive(Memberships(student), fanout, Clock(), LiveLimits(max_age_seconds=300))  # type: ignore[arg-type]
    fresh = LiveNotice(event_id="e1", occurred_at=NOW - timedelta(seconds=299), body=assignment())
    stale = LiveNotice(event_id="e2", occurred_at=NOW - timedelta(seconds=301), body=assignment())
    assert await push.assignment_published("college-a", fresh, announced_early=False) == 1
    assert await push.assignment_published("college-a", stale, announced_early=False) == 0
    assert await push.to_person("college-a", student.user_id, stale) == 0
    assert await push.to_person("college-b", student.user_id, fresh) == 1
    assert await push.assignment_published("college-b", fresh, announced_early=False) == 0
    assert [(t, users, n.event_id) for t, users, n in fanout.pushed] == [
        ("college-a", [str(student.user_id)], "e1"),
        ("college-b", [str(student.user_id)], "e1"),
    ]


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    return dict(yaml.safe_load(asyncapi_document())["components"]["schemas"])


def test_live_is_a_server_event_and_each_kind_is_documented(schemas: dict[str, Any]) -> None:
    assert "live" in SERVER_EVENTS
    live = schemas["Live"]
    assert set(live["properties"]["kind"]["enum"]) == {kind.value for kind in LiveKind}
    refs = {ref["$ref"].rsplit("/", 1)[1] for ref in live["properties"]["data"]["oneOf"]}
    assert refs == {kind.value for kind in LiveKind}


@pytest.mark.parametrize(("kind", "body"), sorted(LIVE_BODIES.items()))
def test_each_kinds_data_has_its_dataclasss_fields(
    schemas: dict[str, Any], kind: LiveKind, body: type
) -> None:
    fields = {f.name for f in dataclasses.fields(body)}
    assert set(schemas[kind.value]["properties"]) == fields
    assert set(schemas[kind.value]["required"]) == fields


@pytest.mark.parametrize(
    "body",
    [
        assignment(),
        GradePosted(submission_id=uuid.uuid4(), assignment_id=uuid.uuid4(), course_id=COURSE,
                    posted_at=NOW),
        InAppNotification(id=uuid.uuid4(), user_id=str(uuid.uuid4()), kind="grade_posted",
                          subject="s", body_text="b", created_at=NOW),
    ],
    ids=lambda body: type(body).__name__,
)  # fmt: skip
def test_the_frame_is_what_the_document_says(schemas: dict[str, Any], body: Any) -> None:
    event_id = str(uuid.uuid4())
    frame = live_frame(LiveNotice(event_id=event_id, occurred_at=NOW, body=body))
    assert set(frame) == set(schemas["Live"]["properties"])
    assert (frame["id"], frame["occurred_at"]) == (event_id, "2026-12-02T12:00:00Z")
    assert set(frame["data"]) == set(schemas[frame["kind"]]["properties"])
    assert LIVE_BODIES[LiveKind(frame["kind"])] is type(body)
