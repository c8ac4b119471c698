"""The late policy of a course, and what it makes of one submission time: the one rule that the
assignment service previews and the submission service applies (modelled on Canvas's late
policy).

- **On time** is at or before ``due_at``; one second after is late. Without a due date nothing
  is late and nothing is missing.
- **Late**: ``seconds_late`` counts every started second, and every started interval (hour or
  day) costs ``late_deduction_percent`` of the points possible: 1 second late is one interval,
  exactly one day late is one day, a day and a second is two.
- **Minimum**: deductions never take a score below ``minimum_percent`` of the points possible
  (a score already below it loses nothing).
- **Missing**: nothing submitted and ``due_at`` has passed; with the missing deduction on, the
  work scores ``100 - missing_deduction_percent`` percent. The minimum does not apply to it.
- **Window**: before ``unlock_at`` a submission is not accepted yet, after ``lock_at`` no more
  (exactly at ``lock_at`` still is). A refused submission is still evaluated, so a preview can
  say what it would have cost; the submission service refuses it.
- Pass/fail and ungraded work lose no points, and ungraded or on-paper work (no online
  submission expected) is never missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading.dates import EffectiveDates

HUNDRED = Decimal(100)
ZERO = Decimal(0)
_CENT = Decimal("0.01")


class GradingType(StrEnum):
    POINTS = "points"
    PERCENT = "percent"
    LETTER_GRADE = "letter_grade"
    GPA_SCALE = "gpa_scale"
    PASS_FAIL = "pass_fail"
    NOT_GRADED = "not_graded"


# Grading types whose score is not a share of points that a deduction could take from.
NOT_DEDUCTIBLE = frozenset({GradingType.PASS_FAIL, GradingType.NOT_GRADED})


class LateInterval(StrEnum):
    HOUR = "hour"
    DAY = "day"

    @property
    def seconds(self) -> int:
        return 3600 if self is LateInterval.HOUR else 86400


def _percent(value: Decimal, name: str) -> Decimal:
    if not value.is_finite() or not ZERO <= value <= HUNDRED:
        raise InvalidInput(f"{name} must be between 0 and 100", field=name)
    if value != value.quantize(_CENT):
        raise InvalidInput(f"{name} has at most two decimals", field=name)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class LatePolicy:
    """One course's policy; every part is off unless enabled. Percentages of points possible."""

    late_deduction_enabled: bool = False
    late_deduction_percent: Decimal = ZERO
    late_interval: LateInterval = LateInterval.DAY
    minimum_percent_enabled: bool = False
    minimum_percent: Decimal = ZERO
    missing_deduction_enabled: bool = False
    missing_deduction_percent: Decimal = HUNDRED

    def __post_init__(self) -> None:
        for name in ("late_deduction_percent", "minimum_percent", "missing_deduction_percent"):
            _percent(getattr(self, name), name)


NO_LATE_POLICY = LatePolicy()


class SubmissionWindow(StrEnum):
    NOT_YET_OPEN = "not_yet_open"  # before unlock_at
    OPEN = "open"
    CLOSED = "closed"  # after lock_at


@dataclass(frozen=True, slots=True, kw_only=True)
class LateEvaluation:
    """What the policy makes of one submission time (or of none).

    ``deduction_percent`` is what a full score loses (percent of points possible): the late
    deduction, capped by the minimum, or the missing deduction. ``points_deducted`` applies the
    late deduction to an actual score, where the minimum is measured from that score.
    """

    submitted: bool
    window: SubmissionWindow
    late: bool
    seconds_late: int
    intervals_late: int
    missing: bool
    deduction_percent: Decimal
    # What points_deducted needs, so that it takes no policy of its own.
    percent_per_interval: Decimal = ZERO
    floor_percent: Decimal = ZERO

    @property
    def accepted(self) -> bool:
        return self.window is SubmissionWindow.OPEN

    def points_deducted(self, score: Decimal, points_possible: Decimal) -> Decimal:
        """Points a late submission scored ``score`` loses, rounded to cents (half up)."""
        if not self.late or self.percent_per_interval == ZERO or points_possible <= ZERO:
            return ZERO
        score_percent = score / points_possible * HUNDRED
        room = max(score_percent - self.floor_percent, ZERO)
        percent = min(self.percent_per_interval * self.intervals_late, room)
        return (percent / HUNDRED * points_possible).quantize(_CENT, rounding=ROUND_HALF_UP)

    def score_for_missing(self, points_possible: Decimal) -> Decimal | None:
        """The score missing work gets, or None when it gets none automatically."""
        if not self.missing or self.deduction_percent == ZERO:
            return None
        kept = (HUNDRED - self.deduction_percent) / HUNDRED
        return (kept * points_possible).quantize(_CENT, rounding=ROUND_HALF_UP)


def _started_seconds(delta: timedelta) -> int:
    """Whole seconds in a positive ``delta``, a started second counting as one."""
    return delta.days * 86400 + delta.seconds + (1 if delta.microseconds else 0)


def _window(at: datetime, dates: EffectiveDates) -> SubmissionWindow:
    if dates.unlock_at is not None and at < dates.unlock_at:
        return SubmissionWindow.NOT_YET_OPEN
    if dates.lock_at is not None and at > dates.lock_at:
        return SubmissionWindow.CLOSED
    return SubmissionWindow.OPEN


def evaluate(
    submitted_at: datetime | None,
    dates: EffectiveDates,
    policy: LatePolicy,
    *,
    now: datetime,
    grading_type: GradingType = GradingType.POINTS,
    expects_submission: bool = True,
) -> LateEvaluation:
    """``submitted_at`` against the student's effective ``dates``; ``None`` means nothing was
    submitted by ``now``. Pure: the same arguments always give the same answer."""
    for name, value in (("submitted_at", submitted_at), ("now", now)):
        if value is not None and value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware")
    deductible = grading_type not in NOT_DEDUCTIBLE
    if submitted_at is None:
        missing = (
            expects_submission
            and grading_type is not GradingType.NOT_GRADED
            and dates.due_at is not None
            and now > dates.due_at
        )
        deduction = (
            policy.missing_deduction_percent
            if missing and deductible and policy.missing_deduction_enabled
            else ZERO
        )
        return LateEvaluation(
            submitted=False,
            window=_window(now, dates),
            late=False,
            seconds_late=0,
            intervals_late=0,
            missing=missing,
            deduction_percent=deduction,
        )
    late = dates.due_at is not None and submitted_at > dates.due_at
    seconds_late = _started_seconds(submitted_at - dates.due_at) if late and dates.due_at else 0
    interval = policy.late_interval.seconds
    intervals_late = -(-seconds_late // interval)
    per_interval = (
        policy.late_deduction_percent if deductible and policy.late_deduction_enabled else ZERO
    )
    floor = policy.minimum_percent if policy.minimum_percent_enabled else ZERO
    deduction = min(per_interval * intervals_late, HUNDRED - floor) if late else ZERO
    return LateEvaluation(
        submitted=True,
        window=_window(submitted_at, dates),
        late=late,
        seconds_late=seconds_late,
        intervals_late=intervals_late,
        missing=False,
        deduction_percent=max(deduction, ZERO),
        percent_per_interval=per_interval,
        floor_percent=floor,
    )
