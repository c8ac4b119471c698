"""The grade a score makes under the assignment's grading type (letters from the course's
grading scheme, or Canvas's default), and the score the late policy leaves (the deduction itself
is the kernel's rule: ``LateEvaluation.points_deducted``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lms.submission.domain.submissions import LateStatus
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import GradingType, LateEvaluation

HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
MAX_SCORE_FACTOR = Decimal(10)  # extra credit up to ten times the points possible

# A grading scheme: (letter, lowest percentage), highest first, the last floor 0.
Scheme = tuple[tuple[str, Decimal], ...]
MAX_LEVELS = 20
MAX_LETTER_LENGTH = 16  # the course service's bound; a grade is kept in 32 characters

# Canvas's default grading scheme: the lowest percentage of each letter, for a course that has
# no scheme of its own.
DEFAULT_SCHEME: Scheme = (
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


def read_scheme(levels: Iterable[tuple[object, object]]) -> Scheme:
    """A course's scheme as its events carry it, checked: a scheme out of order, without a
    floor at 0 or with odd letters would give some scores no letter, or the wrong one."""
    scheme: list[tuple[str, Decimal]] = []
    for name, floor in levels:
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_LETTER_LENGTH:
            raise InvalidInput(f"a letter is 1 to {MAX_LETTER_LENGTH} characters", field="name")
        if isinstance(floor, bool) or not isinstance(floor, int | float | str | Decimal):
            raise InvalidInput("a floor is a number", field="min_percent")
        try:
            value = Decimal(str(floor))
        except InvalidOperation as error:
            raise InvalidInput("a floor is a number", field="min_percent") from error
        if not value.is_finite() or not Decimal(0) <= value <= HUNDRED:
            raise InvalidInput("a floor is between 0 and 100", field="min_percent")
        if scheme and value >= scheme[-1][1]:
            raise InvalidInput("floors go strictly down", field="min_percent")
        scheme.append((name, value))
    if not 1 <= len(scheme) <= MAX_LEVELS or scheme[-1][1] != 0:
        raise InvalidInput(f"a scheme has 1 to {MAX_LEVELS} letters, the last from 0")
    if len({name.casefold() for name, _ in scheme}) != len(scheme):
        raise InvalidInput("a letter appears twice", field="name")
    return tuple(scheme)


def letter_for(percent: Decimal, scheme: Scheme = DEFAULT_SCHEME) -> str:
    """The first letter whose floor the percentage reaches: exactly on a floor earns it, over
    100 % (extra credit) earns the top letter, 0 the bottom one (whose floor is 0)."""
    return next(letter for letter, floor in scheme if percent >= floor)


def gpa_scheme(scheme: Scheme | None) -> Scheme:
    """GPA is defined for Canvas's default letters only. A course's scheme of those letters (its
    own cut-offs for A to F) decides the letter; any other letter has no GPA, so such a course's
    ``gpa_scale`` work is graded on the default scheme."""
    if scheme is not None and all(letter in GPA for letter, _ in scheme):
        return scheme
    return DEFAULT_SCHEME


def grade_for(
    score: Decimal,
    points_possible: Decimal,
    grading_type: GradingType,
    scheme: Scheme | None = None,
) -> str | None:
    """The grade shown beside the score (Canvas's ``grade``); ``scheme`` is the course's grading
    scheme (None: the default)."""
    percent = score / points_possible * HUNDRED if points_possible > 0 else HUNDRED
    if grading_type is GradingType.POINTS:
        return f"{_cents(score).normalize():f}"
    if grading_type is GradingType.PERCENT:
        return f"{_cents(percent).normalize():f}%"
    if grading_type is GradingType.LETTER_GRADE:
        return letter_for(percent, scheme or DEFAULT_SCHEME)
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
