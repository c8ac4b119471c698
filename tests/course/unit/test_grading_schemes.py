"""A course's grading scheme: what the domain accepts and what it refuses, and why."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from lms.course.domain.courses import Course, CourseStatus
from lms.course.domain.events import CourseUpdated, course_event
from lms.course.domain.grading_schemes import GradingScheme, scheme_or_default
from lms_platform.kernel.errors import InvalidInput

PASS_FAIL = [("Pass", 50), ("Fail", 0)]
NOW = datetime(2026, 9, 1, tzinfo=UTC)


def test_a_good_scheme_keeps_its_letters_in_order_and_round_trips_as_json() -> None:
    scheme = GradingScheme.of([("A", "92.5"), ("B", 80), ("C", 65.25), ("F", 0)])
    assert [(lv.name, lv.min_percent) for lv in scheme.levels] == [
        ("A", Decimal("92.5")), ("B", Decimal(80)), ("C", Decimal("65.25")), ("F", Decimal(0)),
    ]  # fmt: skip
    as_json = scheme.to_json()
    assert as_json[0] == {"name": "A", "min_percent": 92.5}
    assert GradingScheme.from_json(as_json) == scheme


def test_one_letter_from_zero_and_a_top_floor_of_100_are_schemes() -> None:
    assert len(GradingScheme.of([("Done", 0)]).levels) == 1
    assert GradingScheme.of([("A+", 100), ("A", 0)]).levels[0].min_percent == 100


def test_none_is_the_default_scheme() -> None:
    assert scheme_or_default(None) is None
    assert scheme_or_default(PASS_FAIL) == GradingScheme.of(PASS_FAIL)


@pytest.mark.parametrize(
    ("levels", "field"),
    [
        ([], "grading_scheme"),
        ([(f"L{i}", 100 - i * 5) for i in range(21)], "grading_scheme"),
        ([("A", 90), ("B", 10)], "grading_scheme[1].min_percent"),  # no floor at 0
        ([("A", 80), ("B", 90), ("F", 0)], "grading_scheme[1].min_percent"),  # goes up
        ([("A", 80), ("B", 80), ("F", 0)], "grading_scheme[1].min_percent"),  # not strictly
        ([("A", 101), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", -1), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "NaN"), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "90.125"), ("F", 0)], "grading_scheme[0].min_percent"),
        ([("A", "ninety"), ("F", 0)], "grading_scheme"),
        ([("", 90), ("F", 0)], "grading_scheme[0].name"),
        ([(" A", 90), ("F", 0)], "grading_scheme[0].name"),
        ([("A" * 17, 90), ("F", 0)], "grading_scheme[0].name"),
        ([("A\x00", 90), ("F", 0)], "grading_scheme[0].name"),
        ([("A", 90), ("a", 0)], "grading_scheme[1].name"),  # twice, whatever the case
    ],
)
def test_a_bad_scheme_is_refused_naming_the_field(levels: list[Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        GradingScheme.of(levels)
    assert refused.value.field == field


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
