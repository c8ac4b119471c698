"""The late policy's edges: exactly at due_at, one second after, past lock_at, the minimum,
missing work, interval boundaries, an extension, and the grading types it leaves alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import (
    AssignmentDates,
    DateOverride,
    EffectiveDates,
    GradingType,
    LateInterval,
    LatePolicy,
    OverrideTarget,
    SubmissionWindow,
    effective_dates,
    evaluate,
)

DUE = datetime(2026, 10, 8, 23, 59, tzinfo=UTC)
DATES = EffectiveDates.of(
    AssignmentDates(unlock_at=DUE - timedelta(days=7), due_at=DUE, lock_at=DUE + timedelta(days=3))
)
TEN_PER_DAY = LatePolicy(late_deduction_enabled=True, late_deduction_percent=Decimal(10))
NOW = DUE + timedelta(days=30)


def at(seconds_after_due: float) -> datetime:
    return DUE + timedelta(seconds=seconds_after_due)


def test_exactly_at_due_at_is_on_time() -> None:
    result = evaluate(DUE, DATES, TEN_PER_DAY, now=NOW)
    assert not result.late and result.seconds_late == 0 and result.intervals_late == 0
    assert result.deduction_percent == 0 and result.accepted and not result.missing


def test_one_second_after_is_late_by_one_interval() -> None:
    result = evaluate(at(1), DATES, TEN_PER_DAY, now=NOW)
    assert result.late and result.seconds_late == 1 and result.intervals_late == 1
    assert result.deduction_percent == Decimal(10)
    assert result.points_deducted(Decimal(50), Decimal(50)) == Decimal("5.00")


def test_a_started_second_counts() -> None:
    result = evaluate(DUE + timedelta(microseconds=1), DATES, TEN_PER_DAY, now=NOW)
    assert result.late and result.seconds_late == 1


@pytest.mark.parametrize(
    ("seconds_after_due", "intervals"),
    [(86_399, 1), (86_400, 1), (86_401, 2), (2 * 86_400, 2), (2 * 86_400 + 1, 3)],
)
def test_day_interval_boundaries(seconds_after_due: int, intervals: int) -> None:
    result = evaluate(at(seconds_after_due), DATES, TEN_PER_DAY, now=NOW)
    assert result.intervals_late == intervals
    assert result.deduction_percent == Decimal(10 * intervals)


@pytest.mark.parametrize(("seconds_after_due", "intervals"), [(3600, 1), (3601, 2), (7200, 2)])
def test_hour_interval_boundaries(seconds_after_due: int, intervals: int) -> None:
    hourly = LatePolicy(
        late_deduction_enabled=True,
        late_deduction_percent=Decimal("2.5"),
        late_interval=LateInterval.HOUR,
    )
    result = evaluate(at(seconds_after_due), DATES, hourly, now=NOW)
    assert result.intervals_late == intervals
    assert result.deduction_percent == Decimal("2.5") * intervals


def test_past_lock_at_is_refused_yet_evaluated() -> None:
    lock = DATES.lock_at
    assert lock is not None
    at_lock = evaluate(lock, DATES, TEN_PER_DAY, now=NOW)
    assert at_lock.accepted and at_lock.window is SubmissionWindow.OPEN
    past = evaluate(lock + timedelta(seconds=1), DATES, TEN_PER_DAY, now=NOW)
    assert not past.accepted and past.window is SubmissionWindow.CLOSED
    assert past.late and past.intervals_late == 4 and past.deduction_percent == Decimal(40)


def test_before_unlock_is_not_accepted_yet() -> None:
    unlock = DATES.unlock_at
    assert unlock is not None
    early = evaluate(unlock - timedelta(seconds=1), DATES, TEN_PER_DAY, now=NOW)
    assert early.window is SubmissionWindow.NOT_YET_OPEN and not early.late
    assert evaluate(unlock, DATES, TEN_PER_DAY, now=NOW).accepted


def test_the_deduction_stops_at_the_minimum() -> None:
    policy = LatePolicy(
        late_deduction_enabled=True,
        late_deduction_percent=Decimal(25),
        minimum_percent_enabled=True,
        minimum_percent=Decimal(60),
    )
    one_day = evaluate(at(86_400), DATES, policy, now=NOW)
    assert one_day.deduction_percent == Decimal(25)
    two_days = evaluate(at(2 * 86_400), DATES, policy, now=NOW)
    assert two_days.deduction_percent == Decimal(40)  # 50 would pass the 60 % floor
    # With a real score the floor is measured from that score: 90/100 keeps at least 60.
    assert two_days.points_deducted(Decimal(90), Decimal(100)) == Decimal("30.00")
    # A score already under the floor loses nothing.
    assert two_days.points_deducted(Decimal(55), Decimal(100)) == Decimal("0.00")


def test_without_a_minimum_a_deduction_can_take_everything() -> None:
    result = evaluate(at(20 * 86_400), DATES, TEN_PER_DAY, now=NOW)
    assert result.deduction_percent == Decimal(100)
    assert result.points_deducted(Decimal(10), Decimal(10)) == Decimal("10.00")


def test_missing_work() -> None:
    policy = LatePolicy(missing_deduction_enabled=True, missing_deduction_percent=Decimal(100))
    missing = evaluate(None, DATES, policy, now=at(1))
    assert missing.missing and not missing.submitted and not missing.late
    assert missing.deduction_percent == Decimal(100)
    assert missing.score_for_missing(Decimal(20)) == Decimal("0.00")
    partial = LatePolicy(missing_deduction_enabled=True, missing_deduction_percent=Decimal(30))
    assert evaluate(None, DATES, partial, now=at(1)).score_for_missing(Decimal(20)) == Decimal(
        "14.00"
    )


def test_nothing_is_missing_before_the_due_date_or_without_one() -> None:
    policy = LatePolicy(missing_deduction_enabled=True)
    assert not evaluate(None, DATES, policy, now=DUE).missing  # exactly at due_at: not yet
    no_due = EffectiveDates.of(AssignmentDates())
    assert not evaluate(None, no_due, policy, now=NOW).missing
    assert not evaluate(at(10**6), no_due, TEN_PER_DAY, now=NOW).late


def test_missing_without_its_deduction_is_still_missing() -> None:
    result = evaluate(None, DATES, LatePolicy(), now=NOW)
    assert result.missing and result.deduction_percent == 0
    assert result.score_for_missing(Decimal(10)) is None
    assert result.window is SubmissionWindow.CLOSED  # now is past lock_at


def test_a_student_with_an_extension() -> None:
    student = uuid.UUID(int=7)
    extension = DateOverride(
        target=OverrideTarget.STUDENT,
        target_id=student,
        due_at=DUE + timedelta(days=5),
        lock_at=DUE + timedelta(days=6),
        fields=frozenset({"due_at", "lock_at"}),
    )
    base = AssignmentDates(due_at=DUE, lock_at=DUE + timedelta(days=3))
    theirs = effective_dates(base, [extension], student_id=student, section_ids=())
    others = effective_dates(base, [extension], student_id=uuid.UUID(int=8), section_ids=())
    submitted = DUE + timedelta(days=4)
    on_time = evaluate(submitted, theirs, TEN_PER_DAY, now=NOW)
    assert not on_time.late and on_time.accepted and on_time.deduction_percent == 0
    refused = evaluate(submitted, others, TEN_PER_DAY, now=NOW)
    assert refused.late and not refused.accepted
    assert not evaluate(None, theirs, LatePolicy(), now=DUE + timedelta(days=4)).missing


@pytest.mark.parametrize("grading_type", [GradingType.PASS_FAIL, GradingType.NOT_GRADED])
def test_pass_fail_and_ungraded_work_lose_nothing(grading_type: GradingType) -> None:
    policy = LatePolicy(
        late_deduction_enabled=True,
        late_deduction_percent=Decimal(10),
        missing_deduction_enabled=True,
    )
    late = evaluate(at(86_400 * 3), DATES, policy, now=NOW, grading_type=grading_type)
    assert late.late and late.deduction_percent == 0
    assert late.points_deducted(Decimal(10), Decimal(10)) == 0
    missing = evaluate(None, DATES, policy, now=NOW, grading_type=grading_type)
    assert missing.deduction_percent == 0
    assert missing.missing is (grading_type is GradingType.PASS_FAIL)


def test_on_paper_work_is_never_missing() -> None:
    policy = LatePolicy(missing_deduction_enabled=True)
    assert not evaluate(None, DATES, policy, now=NOW, expects_submission=False).missing


def test_disabled_parts_deduct_nothing() -> None:
    policy = LatePolicy(late_deduction_percent=Decimal(50), missing_deduction_percent=Decimal(50))
    assert evaluate(at(86_400), DATES, policy, now=NOW).deduction_percent == 0
    assert evaluate(None, DATES, policy, now=NOW).deduction_percent == 0


def test_zero_points_possible_deducts_nothing() -> None:
    late = evaluate(at(86_400), DATES, TEN_PER_DAY, now=NOW)
    assert late.points_deducted(Decimal(0), Decimal(0)) == 0


def test_deducted_points_round_half_up_to_cents() -> None:
    policy = LatePolicy(late_deduction_enabled=True, late_deduction_percent=Decimal("3.33"))
    result = evaluate(at(1), DATES, policy, now=NOW)
    assert result.points_deducted(Decimal("7.5"), Decimal("7.5")) == Decimal("0.25")  # 0.24975


@pytest.mark.parametrize(
    "fields",
    [
        {"late_deduction_percent": Decimal(-1)},
        {"late_deduction_percent": Decimal("100.01")},
        {"minimum_percent": Decimal("NaN")},
        {"missing_deduction_percent": Decimal("Infinity")},
        {"late_deduction_percent": Decimal("1.001")},
    ],
)
def test_a_policy_out_of_range_is_refused(fields: dict[str, Decimal]) -> None:
    with pytest.raises(InvalidInput):
        LatePolicy(**fields)  # type: ignore[arg-type]


def test_naive_times_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        evaluate(datetime(2026, 1, 1), DATES, TEN_PER_DAY, now=NOW)
