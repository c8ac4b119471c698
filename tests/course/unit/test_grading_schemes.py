"""A course's grading scheme in the course's domain: none is the default, and the course event
carries it. The rule itself (what a scheme may be) is the kernel's:
tests/platform/kernel/test_grading_schemes.py."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lms.course.domain.courses import Course, CourseStatus
from lms.course.domain.events import CourseUpdated, course_event
from lms.course.domain.grading_schemes import scheme_or_default
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import GradingScheme

PASS_FAIL = [("Pass", 50), ("Fail", 0)]
NOW = datetime(2026, 9, 1, tzinfo=UTC)


def test_none_is_the_default_scheme() -> None:
    assert scheme_or_default(None) is None
    assert scheme_or_default(PASS_FAIL) == GradingScheme.of(PASS_FAIL)


def test_the_course_checks_a_scheme_with_the_kernel_rule_naming_the_entry() -> None:
    with pytest.raises(InvalidInput) as refused:
        scheme_or_default([("A", 90), ("B", 10)])  # no floor at 0
    assert refused.value.field == "grading_scheme[1].min_percent"


def test_the_course_event_carries_the_scheme_or_null() -> None:
    course = Course(
        id=uuid.uuid4(), tenant_id="c", code="CS1", title="T", description="", term_id=None,
        start_date=None, end_date=None, status=CourseStatus.DRAFT, owner_id="u",
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    assert course_event(CourseUpdated, course).course["grading_scheme"] is None
    changed = course.edit({"grading_scheme": GradingScheme.of(PASS_FAIL)}, NOW)
    assert changed == ["grading_scheme"] and course.version == 2
    assert course_event(CourseUpdated, course, changed).course["grading_scheme"] == [
        {"name": "Pass", "min_percent": 50.0}, {"name": "Fail", "min_percent": 0.0},
    ]  # fmt: skip
    assert course.edit({"grading_scheme": GradingScheme.of(PASS_FAIL)}, NOW) == []  # same: no-op
