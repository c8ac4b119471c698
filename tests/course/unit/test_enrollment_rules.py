"""Enrollment states, seats and the observer link."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import pytest

from lms.course.domain.enrollments import (
    STATE_TRANSITIONS,
    Enrollment,
    EnrollmentState,
    SectionRole,
    placement,
)
from lms.course.domain.errors import IllegalTransition, SectionFull
from lms_platform.kernel.errors import InvalidInput

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def enrollment(
    state: EnrollmentState = EnrollmentState.ACTIVE, role: SectionRole = SectionRole.STUDENT
) -> Enrollment:
    return Enrollment(
        id=uuid.uuid4(), tenant_id="c", section_id=uuid.uuid4(), course_id=uuid.uuid4(),
        user_id=uuid.uuid4(), role=role, state=state, observed_user_id=None,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


LEGAL = {(a, b) for a, targets in STATE_TRANSITIONS.items() for b in targets}
ILLEGAL = [(a, b) for a, b in itertools.permutations(EnrollmentState, 2) if (a, b) not in LEGAL]


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_illegal_state_changes_are_refused_and_change_nothing(
    start: EnrollmentState, target: EnrollmentState
) -> None:
    e = enrollment(start)
    with pytest.raises(IllegalTransition):
        e.change_state(target, NOW)
    assert e.state is start and e.version == 1


@pytest.mark.parametrize(("start", "target"), sorted(LEGAL))
def test_legal_state_changes_move(start: EnrollmentState, target: EnrollmentState) -> None:
    e = enrollment(start)
    assert e.change_state(target, NOW)
    assert e.state is target and e.version == 2


def test_a_completed_enrollment_is_final() -> None:
    assert STATE_TRANSITIONS[EnrollmentState.COMPLETED] == frozenset()


def test_students_take_seats_staff_do_not() -> None:
    assert (
        placement(SectionRole.STUDENT, EnrollmentState.ACTIVE, 1, False) is EnrollmentState.ACTIVE
    )
    assert (
        placement(SectionRole.INSTRUCTOR, EnrollmentState.ACTIVE, 0, False)
        is EnrollmentState.ACTIVE
    )
    assert (
        placement(SectionRole.STUDENT, EnrollmentState.ACTIVE, None, False)
        is EnrollmentState.ACTIVE
    )
    assert (
        placement(SectionRole.STUDENT, EnrollmentState.ACTIVE, 0, True)
        is EnrollmentState.WAITLISTED
    )
    with pytest.raises(SectionFull):
        placement(SectionRole.STUDENT, EnrollmentState.ACTIVE, 0, False)


def test_a_new_enrollment_is_active_or_invited() -> None:
    with pytest.raises(InvalidInput):
        placement(SectionRole.STUDENT, EnrollmentState.COMPLETED, 5, False)


def test_an_observer_needs_a_student_and_only_an_observer_has_one() -> None:
    with pytest.raises(InvalidInput):
        enrollment(role=SectionRole.OBSERVER)
    e = enrollment()
    with pytest.raises(InvalidInput):
        e.change_role(SectionRole.STUDENT, uuid.uuid4(), NOW)
    with pytest.raises(InvalidInput):
        e.change_role(SectionRole.OBSERVER, e.user_id, NOW)
    assert e.change_role(SectionRole.OBSERVER, uuid.uuid4(), NOW)


def test_seat_holding() -> None:
    assert enrollment(EnrollmentState.INVITED).holds_seat
    assert not enrollment(EnrollmentState.WAITLISTED).holds_seat
    assert not enrollment(role=SectionRole.TEACHING_ASSISTANT).holds_seat
