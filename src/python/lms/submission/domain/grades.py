"""The grade a score makes under the assignment's grading type (letters from the course's
grading scheme, or Canvas's default), and the score the late policy leaves. The rules themselves
are the kernel's: the scheme and its letters (``lms_platform.kernel.grading.schemes``) and the
deduction (``LateEvaluation.points_deducted``); the GPA of a letter is this service's."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from lms.submission.domain.submissions import LateStatus
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import (
    DEFAULT_SCHEME,
    GradingScheme,
    GradingType,
    LateEvaluation,
    letter_for,
)

HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
MAX_SCORE_FACTOR = Decimal(10)  # extra credit up to ten times the points possible

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


def read_scheme(levels: Iterable[tuple[object, object]]) -> GradingScheme:
    """A course's scheme as its events carry it, checked by the platform's rule (the one the
    course service enforced): a scheme out of order, without a floor at 0 or with odd letters
    would give some scores no letter, or the wrong one."""
    return GradingScheme.of(levels)


def gpa_scheme(scheme: GradingScheme | None) -> GradingScheme:
    """GPA is defined for Canvas's default letters only. A course's scheme of those letters (its
    own cut-offs for A to F) decides the letter; any other letter has no GPA, so such a course's
    ``gpa_scale`` work is graded on the default scheme."""
    if scheme is not None and all(letter in GPA for letter in scheme.letters):
        return scheme
    return DEFAULT_SCHEME


def grade_for(
    score: Decimal,
    points_possible: Decimal,
    grading_type: GradingType,
    scheme: GradingScheme | None = None,
) -> str | None:
    """The grade shown beside the score (Canvas's ``grade``); ``scheme`` is the course's grading
    scheme (None: the default)."""
    percent = score / points_possible * HUNDRED if points_possible > 0 else HUNDRED
    if grading_type is GradingType.POINTS:
        return f"{_cents(score).normalize():f}"
    if grading_type is GradingType.PERCENT:
        return f"{_cents(percent).normalize():f}%"
    if grading_type is GradingType.LETTER_GRADE:
        return letter_for(percent, scheme)
    if grading_type is GradingType.GPA_SCALE:
        return GPA[letter_for(percent, gpa_scheme(scheme))]
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
