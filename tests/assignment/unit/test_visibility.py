"""What a student sees: published work of their sections, once it unlocks for them; announced
work early with its details hidden; their own dates."""

from __future__ import annotations

import uuid

from lms.assignment.domain.overrides import Override
from lms.assignment.domain.visibility import is_assigned_to, student_view
from lms_platform.kernel.grading import AssignmentDates, DateSource, OverrideTarget
from tests.assignment.unit.builders import SECTION_A, SECTION_B, STUDENT, T0, assignment, day


def test_a_published_assignment_for_the_whole_course_is_seen_after_unlock() -> None:
    view = student_view(assignment(), STUDENT, {SECTION_A}, day(1))
    assert view is not None and not view.details_hidden
    assert view.dates.due_at == day(7)


def test_drafts_deleted_work_and_other_sections_stay_hidden() -> None:
    assert student_view(assignment(publish=False), STUDENT, {SECTION_A}, day(1)) is None
    deleted = assignment()
    deleted.delete(T0)
    assert student_view(deleted, STUDENT, {SECTION_A}, day(1)) is None
    for_b = assignment(section_ids=(SECTION_B,))
    assert student_view(for_b, STUDENT, {SECTION_A}, day(1)) is None
    assert student_view(for_b, STUDENT, {SECTION_A, SECTION_B}, day(1)) is not None
    assert not is_assigned_to(assignment(), set())  # no active section: nothing


def test_before_unlock_it_is_hidden_unless_announced() -> None:
    assert student_view(assignment(), STUDENT, {SECTION_A}, day(-1)) is None
    announced = student_view(assignment(announce_before_unlock=True), STUDENT, {SECTION_A}, day(-1))
    assert announced is not None and announced.details_hidden


def test_the_student_sees_their_own_dates_and_unlock() -> None:
    existing = assignment(dates=AssignmentDates(unlock_at=day(2), due_at=day(7), lock_at=day(9)))
    early = Override.create(
        id=uuid.uuid4(),
        target=OverrideTarget.STUDENT,
        target_id=STUDENT,
        dates={"unlock_at": day(0), "due_at": day(10), "lock_at": day(12)},
        now=T0,
    )
    existing.add_override(early, T0)
    mine = student_view(existing, STUDENT, {SECTION_A}, day(1))
    assert mine is not None and mine.dates.due_at == day(10)
    assert mine.dates.due_source is DateSource.STUDENT
    assert student_view(existing, uuid.UUID(int=99), {SECTION_A}, day(1)) is None  # not yet open
