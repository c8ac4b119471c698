"""One small world of two colleges, indexed through the real topics, for the visibility tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lms.search.config import SearchSettings
from lms_platform.messaging import Envelope
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.search.integration.events import (
    NOW,
    assignment_event,
    course_event,
    enrollment_event,
    eventually,
    new_id,
    note_event,
    note_share,
    publish,
    user_event,
)


@dataclass
class World:
    course: str = field(default_factory=new_id)  # published, "Demonstration 101"
    draft_course: str = field(default_factory=new_id)
    other_college_course: str = field(default_factory=new_id)
    section: str = field(default_factory=new_id)  # the student's section
    other_section: str = field(default_factory=new_id)
    student: str = field(default_factory=new_id)
    teacher: str = field(default_factory=new_id)
    enrollment: str = field(default_factory=new_id)
    teaching: str = field(default_factory=new_id)
    # assignments of `course`
    for_my_section: str = field(default_factory=new_id)
    unpublished: str = field(default_factory=new_id)
    for_other_section: str = field(default_factory=new_id)
    for_everyone: str = field(default_factory=new_id)
    not_unlocked: str = field(default_factory=new_id)
    # notes: the student's own, and the teacher's shared with the student, with the student's
    # section, with the course, and not at all; one of another college
    my_note: str = field(default_factory=new_id)
    shared_with_me: str = field(default_factory=new_id)
    section_note: str = field(default_factory=new_id)
    course_note: str = field(default_factory=new_id)
    private_note: str = field(default_factory=new_id)
    other_college_note: str = field(default_factory=new_id)
    user_share: str = field(default_factory=new_id)

    @property
    def visible_to_student(self) -> set[str]:
        return {self.for_my_section, self.for_everyone}

    @property
    def notes_of_enrolled_student(self) -> set[str]:
        return {self.my_note, self.shared_with_me, self.section_note, self.course_note}

    @property
    def notes_of_teacher(self) -> set[str]:
        return {self.shared_with_me, self.section_note, self.course_note, self.private_note}

    def courses(self) -> list[Envelope]:
        return [
            course_event(COLLEGE, self.course, title="Demonstration 101", code="DEMO-101"),
            course_event(COLLEGE, self.draft_course, title="Demolition draft", status="draft"),
            course_event(OTHER_COLLEGE, self.other_college_course, title="Demonstration 202"),
        ]

    def assignments(self) -> list[Envelope]:
        c = self.course
        return [
            assignment_event(COLLEGE, self.for_my_section, course_id=c, title="Essay on demos",
                             section_ids=[self.section]),
            assignment_event(COLLEGE, self.unpublished, course_id=c, title="Draft essay",
                             status="draft", section_ids=[self.section]),
            assignment_event(COLLEGE, self.for_other_section, course_id=c, title="Other essay",
                             section_ids=[self.other_section]),
            assignment_event(COLLEGE, self.for_everyone, course_id=c, title="Everyone essay",
                             unlock_at=NOW - timedelta(hours=1)),
            assignment_event(COLLEGE, self.not_unlocked, course_id=c, title="Future essay",
                             unlock_at=NOW + timedelta(days=3)),
        ]  # fmt: skip

    def users(self) -> list[Envelope]:
        return [
            user_event(COLLEGE, self.student, name="Stu Dent", email="stu@a.edu"),
            user_event(COLLEGE, self.teacher, name="Tea Cher", email="tea@a.edu",
                       roles=("instructor",)),
        ]  # fmt: skip

    def notes(self) -> list[Envelope]:
        t = self.teacher
        return [
            note_event(COLLEGE, self.my_note, owner_id=self.student, title="My demo notes",
                       body="Edge n-grams make partial words match", tags=("revision",),
                       course_id=self.course),
            note_event(COLLEGE, self.shared_with_me, owner_id=t, title="For Stu",
                       shares=[note_share(self.user_share, "user", self.student)]),
            note_event(COLLEGE, self.section_note, owner_id=t, title="Section handout",
                       shares=[note_share(new_id(), "section", self.section)]),
            note_event(COLLEGE, self.course_note, owner_id=t, title="Course handout",
                       shares=[note_share(new_id(), "course", self.course)]),
            note_event(COLLEGE, self.private_note, owner_id=t, title="Private demo thoughts"),
            note_event(OTHER_COLLEGE, self.other_college_note, owner_id=self.student,
                       title="Demo notes elsewhere"),
        ]  # fmt: skip

    def enrol(self, *, state: str = "active", version: int = 1) -> Envelope:
        return enrollment_event(
            COLLEGE, self.enrollment, user_id=self.student, section_id=self.section,
            course_id=self.course, state=state, version=version,
        )  # fmt: skip

    def teach(self) -> Envelope:
        return enrollment_event(
            COLLEGE, self.teaching, user_id=self.teacher, section_id=self.section,
            course_id=self.course, role="instructor",
        )  # fmt: skip


def admin(service: RunningService[SearchSettings], college: str = COLLEGE) -> dict[str, str]:
    return service.bearer(
        new_id(), college, roles=("college_admin",),
        permissions=("course:manage", "course:read", "assignment:read", "user:read"),
    )  # fmt: skip


def student(service: RunningService[SearchSettings], user_id: str) -> dict[str, str]:
    return service.bearer(
        user_id, COLLEGE, roles=("student",), permissions=("course:read", "assignment:read")
    )


def teacher(service: RunningService[SearchSettings], user_id: str) -> dict[str, str]:
    return service.bearer(
        user_id, COLLEGE, roles=("instructor",),
        permissions=("course:read", "assignment:read", "user:read"),
    )  # fmt: skip


async def search(
    service: RunningService[SearchSettings], headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await service.client.post("/search", json=body, headers=headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def ids(result: dict[str, Any]) -> set[str]:
    return {item["id"] for item in result["items"]}


async def build(service: RunningService[SearchSettings], world: World) -> None:
    """Publish the world and wait until a college admin sees all of it."""
    prefix = service.settings.kafka_topic_prefix
    bootstrap = service.settings.kafka_bootstrap_servers
    await publish(bootstrap, f"{prefix}course", world.courses())
    await publish(bootstrap, f"{prefix}assignment", world.assignments())
    await publish(bootstrap, f"{prefix}user", world.users())
    await publish(bootstrap, f"{prefix}enrollment", [world.teach()])
    await publish(bootstrap, f"{prefix}note", world.notes())
    await eventually(
        lambda: search(service, admin(service), page_size=100),
        lambda r: r["total"] == 2 + 5 + 2,  # college A's courses, assignments, users
        timeout=30,
    )
    await eventually(  # the teacher's notes; nobody else's are found by the admin
        lambda: search(service, teacher(service, world.teacher), types=["note"]),
        lambda r: ids(r) == world.notes_of_teacher,
        timeout=30,
    )
