"""The course status machine and the course's own rules."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime

import pytest

from lms.course.domain.courses import TRANSITIONS, Course, CourseStatus
from lms.course.domain.errors import IllegalTransition, StillEnrolled
from lms_platform.kernel.errors import InvalidInput

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def course(status: CourseStatus = CourseStatus.DRAFT) -> Course:
    return Course(
        id=uuid.uuid4(), tenant_id="c", code="CS1", title="T", description="", term_id=None,
        start_date=None, end_date=None, status=status, owner_id="u", created_at=NOW, updated_at=NOW,
    )  # fmt: skip


LEGAL = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
ILLEGAL = [(a, b) for a, b in itertools.permutations(CourseStatus, 2) if (a, b) not in LEGAL]


@pytest.mark.parametrize(("start", "target"), sorted(LEGAL))
def test_every_legal_change_moves_and_bumps_the_version(
    start: CourseStatus, target: CourseStatus
) -> None:
    c = course(start)
    assert c.change_status(target, NOW) is True
    assert c.status is target and c.version == 2


@pytest.mark.parametrize(("start", "target"), ILLEGAL)
def test_every_illegal_change_is_refused_with_a_reason_and_changes_nothing(
    start: CourseStatus, target: CourseStatus
) -> None:
    c = course(start)
    with pytest.raises(IllegalTransition) as refused:
        c.change_status(target, NOW)
    assert refused.value.detail  # says why
    assert refused.value.extra["from"] == start.value and refused.value.extra["to"] == target.value
    assert c.status is start and c.version == 1


def test_the_machine_has_the_documented_edges() -> None:
    assert len(ILLEGAL) == 12 - 6
    documented = {
        (CourseStatus.DRAFT, CourseStatus.PUBLISHED), (CourseStatus.DRAFT, CourseStatus.ARCHIVED),
        (CourseStatus.PUBLISHED, CourseStatus.CONCLUDED), (CourseStatus.PUBLISHED, CourseStatus.ARCHIVED),
        (CourseStatus.CONCLUDED, CourseStatus.PUBLISHED), (CourseStatus.CONCLUDED, CourseStatus.ARCHIVED),
    }  # fmt: skip
    assert documented == LEGAL


def test_the_same_status_is_no_change() -> None:
    c = course(CourseStatus.PUBLISHED)
    assert c.change_status(CourseStatus.PUBLISHED, NOW) is False
    assert c.version == 1


def test_delete_is_refused_with_active_enrollments_unless_archived() -> None:
    c = course(CourseStatus.PUBLISHED)
    with pytest.raises(StillEnrolled):
        c.delete(active_enrollments=3, now=NOW)
    assert c.deleted_at is None
    c.change_status(CourseStatus.ARCHIVED, NOW)
    c.delete(active_enrollments=3, now=NOW)
    assert c.is_deleted


def test_an_end_before_the_start_is_refused() -> None:
    c = course()
    with pytest.raises(InvalidInput):
        c.edit({"start_date": date(2026, 9, 1), "end_date": date(2026, 8, 1)}, NOW)
