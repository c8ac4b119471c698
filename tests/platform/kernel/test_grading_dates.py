"""Effective dates: the student's override over the section's over the assignment's, the most
lenient of several sections, field by field, and a window that never crosses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import (
    AssignmentDates,
    DateOverride,
    DateSource,
    EffectiveDates,
    OverrideTarget,
    effective_dates,
)

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
STUDENT = uuid.UUID(int=1)
OTHER_STUDENT = uuid.UUID(int=2)
SECTION_A = uuid.UUID(int=10)
SECTION_B = uuid.UUID(int=11)
SECTION_C = uuid.UUID(int=12)

BASE = AssignmentDates(unlock_at=T0, due_at=T0 + timedelta(days=7), lock_at=T0 + timedelta(days=9))


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def section(section_id: uuid.UUID, **dates: datetime | None) -> DateOverride:
    return DateOverride(
        target=OverrideTarget.SECTION, target_id=section_id, fields=frozenset(dates), **dates
    )


def student(student_id: uuid.UUID, **dates: datetime | None) -> DateOverride:
    return DateOverride(
        target=OverrideTarget.STUDENT, target_id=student_id, fields=frozenset(dates), **dates
    )


def for_student(
    *overrides: DateOverride, sections: tuple[uuid.UUID, ...] = (SECTION_A,)
) -> EffectiveDates:
    return effective_dates(BASE, overrides, student_id=STUDENT, section_ids=sections)


def test_without_overrides_the_assignment_dates_apply() -> None:
    dates = for_student()
    assert (dates.unlock_at, dates.due_at, dates.lock_at) == (day(0), day(7), day(9))
    assert {dates.unlock_source, dates.due_source, dates.lock_source} == {DateSource.ASSIGNMENT}
    assert EffectiveDates.of(BASE) == dates


def test_a_section_override_beats_the_assignment() -> None:
    dates = for_student(section(SECTION_A, due_at=day(8)))
    assert dates.due_at == day(8) and dates.due_source is DateSource.SECTION
    # Fields the override does not name are inherited.
    assert dates.lock_at == day(9) and dates.lock_source is DateSource.ASSIGNMENT


def test_a_student_override_beats_the_section_and_the_assignment() -> None:
    dates = for_student(
        section(SECTION_A, due_at=day(8), lock_at=day(10)),
        student(STUDENT, due_at=day(6)),  # earlier than the section's: still the student's
    )
    assert dates.due_at == day(6) and dates.due_source is DateSource.STUDENT
    assert dates.lock_at == day(10) and dates.lock_source is DateSource.SECTION
    assert dates.unlock_at == day(0) and dates.unlock_source is DateSource.ASSIGNMENT


def test_the_latest_due_and_lock_and_the_earliest_unlock_win_across_sections() -> None:
    dates = for_student(
        section(SECTION_A, unlock_at=day(1), due_at=day(8), lock_at=day(12)),
        section(SECTION_B, unlock_at=day(-1), due_at=day(10), lock_at=day(11)),
        sections=(SECTION_A, SECTION_B),
    )
    assert dates.due_at == day(10)
    assert dates.lock_at == day(12)
    assert dates.unlock_at == day(-1)
    assert {dates.unlock_source, dates.due_source, dates.lock_source} == {DateSource.SECTION}


def test_a_cleared_date_is_the_most_lenient() -> None:
    dates = for_student(
        section(SECTION_A, due_at=day(8)),
        section(SECTION_B, due_at=None, lock_at=None),
        sections=(SECTION_A, SECTION_B),
    )
    assert dates.due_at is None and dates.due_source is DateSource.SECTION
    assert dates.lock_at is None


def test_overrides_of_other_sections_and_students_do_not_apply() -> None:
    dates = for_student(
        section(SECTION_C, due_at=day(20), lock_at=day(21)),
        student(OTHER_STUDENT, due_at=day(30), lock_at=day(31)),
    )
    assert dates == EffectiveDates.of(BASE)


def test_a_caller_who_is_no_student_gets_no_student_override() -> None:
    dates = effective_dates(
        BASE, [student(STUDENT, due_at=day(30))], student_id=None, section_ids=()
    )
    assert dates.due_at == day(7)


def test_an_extension_past_an_inherited_lock_widens_the_window() -> None:
    dates = for_student(student(STUDENT, due_at=day(14)))
    assert dates.due_at == day(14)
    assert dates.lock_at == day(14) and dates.lock_source is DateSource.STUDENT


def test_an_unlock_after_the_due_date_moves_back_to_it() -> None:
    dates = for_student(section(SECTION_A, unlock_at=day(8)), student(STUDENT, due_at=day(5)))
    assert dates.unlock_at == day(5) and dates.due_at == day(5)


def test_without_a_due_date_the_lock_still_follows_the_unlock() -> None:
    base = AssignmentDates(lock_at=day(2))
    dates = effective_dates(
        base, [section(SECTION_A, unlock_at=day(3))], student_id=STUDENT, section_ids=[SECTION_A]
    )
    assert dates.unlock_at == day(3) and dates.lock_at == day(3)


def test_the_order_of_the_overrides_does_not_matter() -> None:
    overrides = [
        section(SECTION_A, due_at=day(8)),
        section(SECTION_B, due_at=day(9), lock_at=day(9)),
        student(STUDENT, unlock_at=day(-2)),
    ]
    first = for_student(*overrides, sections=(SECTION_A, SECTION_B))
    assert for_student(*reversed(overrides), sections=(SECTION_B, SECTION_A)) == first


@pytest.mark.parametrize(
    ("dates", "bad_field"),
    [
        (AssignmentDates(due_at=day(3), lock_at=day(2)), "lock_at"),
        (AssignmentDates(unlock_at=day(3), due_at=day(2)), "due_at"),
        (AssignmentDates(unlock_at=day(3), lock_at=day(2)), "lock_at"),
    ],
)
def test_dates_out_of_order_are_refused(dates: AssignmentDates, bad_field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        dates.check_order()
    assert refused.value.field == bad_field


def test_equal_and_partial_dates_are_in_order() -> None:
    AssignmentDates(unlock_at=day(1), due_at=day(1), lock_at=day(1)).check_order()
    AssignmentDates(due_at=day(1)).check_order()
    AssignmentDates().check_order()


def test_an_override_is_checked_with_the_dates_it_inherits() -> None:
    with pytest.raises(InvalidInput):
        section(SECTION_A, due_at=day(10)).dates_over(BASE).check_order()  # lock_at is day 9
    section(SECTION_A, due_at=day(10), lock_at=day(11)).dates_over(BASE).check_order()


def test_naive_times_and_stray_values_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AssignmentDates(due_at=datetime(2026, 1, 1))  # a naive datetime: the point of the test
    with pytest.raises(ValueError, match="not among the overridden"):
        DateOverride(target=OverrideTarget.SECTION, target_id=SECTION_A, due_at=day(1))
    with pytest.raises(ValueError, match="not date fields"):
        DateOverride(target=OverrideTarget.SECTION, target_id=SECTION_A, fields=frozenset({"x"}))
