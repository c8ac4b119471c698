"""The grade a score makes under the assignment's grading type, and the score the late policy
leaves (the deduction itself is the kernel's rule: ``LateEvaluation.points_deducted``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lms.submission.domain.submissions import LateStatus
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import GradingType, LateEvaluation

HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
MAX_SCORE_FACTOR = Decimal(10)  # extra credit up to ten times the points possible

# Canvas's default grading scheme: the lowest percentage of each letter. A course's own scheme
# is not yet published by any service; until then every course uses this one.
DEFAULT_SCHEME: tuple[tuple[str, Decimal], ...] = (
    ("A", Decimal(94)), ("A-", Decimal(90)), ("B+", Decimal(87)), ("B", Decimal(84)),
    ("B-", Decimal(80)), ("C+", Decimal(77)), ("C", Decimal(74)), ("C-", Decimal(70)),
    ("D+", Decimal(67)), ("D", Decimal(64)), ("D-", Decimal(61)), ("F", Decimal(0)),
)  # fmt: skip
GPA = {"A": "4.0", "A-": "3.7", "B+": "3.3", "B": "3.0", "B-": "2.7", "C+": "2.3", "C": "2.0",
       "C-": "1.7", "D+": "1.3", "D": "1.0", "D-": "0.7", "F": "0.0"}  # fmt: skip


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def check_score(score: Decimal, points_possible: Decimal) -> Decimal:
    limit = max(points_possible, Decimal(1)) * MAX_SCORE_FACTOR
    if not score.is_finite() or not Decimal(0) <= score <= limit:
        raise InvalidInput(f"score must be between 0 and {limit}", field="score")
    if score != score.quantize(_CENT):
        raise InvalidInput("score has at most two decimals", field="score")
    return score


def letter_for(percent: Decimal) -> str:
    return next(letter for letter, floor in DEFAULT_SCHEME if percent >= floor)


def grade_for(score: Decimal, points_possible: Decimal, grading_type: GradingType) -> str | None:
    """The grade shown beside the score (Canvas's ``grade``)."""
    percent = score / points_possible * HUNDRED if points_possible > 0 else HUNDRED
    if grading_type is GradingType.POINTS:
        return f"{_cents(score).normalize():f}"
    if grading_type is GradingType.PERCENT:
        return f"{_cents(percent).normalize():f}%"
    if grading_type is GradingType.LETTER_GRADE:
        return letter_for(percent)
    if grading_type is GradingType.GPA_SCALE:
        return GPA[letter_for(percent)]
    if grading_type is GradingType.PASS_FAIL:
        return "complete" if score > 0 else "incomplete"
    return None


def deducted(
    entered: Decimal,
    points_possible: Decimal,
    evaluation: LateEvaluation,
    status: LateStatus | None,
) -> Decimal:
    """Points the late policy takes from ``entered``: none when a grader marked the work on
    time (``none``) or extended; the kernel's deduction otherwise."""
    if status in (LateStatus.NONE, LateStatus.EXTENDED):
        return Decimal(0)
    return evaluation.points_deducted(entered, points_possible)
