"""Grades from scores under each grading type, and the score bounds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from lms.submission.domain.grades import check_score, gpa_scheme, grade_for, read_scheme
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import DEFAULT_SCHEME, GradingScheme, GradingType, letter_for

D = Decimal


@pytest.mark.parametrize(
    ("score", "kind", "grade"),
    [
        (D("7.5"), GradingType.POINTS, "7.5"),
        (D("7.5"), GradingType.PERCENT, "75%"),
        (D("9.4"), GradingType.LETTER_GRADE, "A"),
        (D("9.39"), GradingType.LETTER_GRADE, "A-"),
        (D("5"), GradingType.LETTER_GRADE, "F"),
        (D("8.4"), GradingType.GPA_SCALE, "3.0"),
        (D("0"), GradingType.PASS_FAIL, "incomplete"),
        (D("1"), GradingType.PASS_FAIL, "complete"),
        (D("1"), GradingType.NOT_GRADED, None),
    ],
)
def test_grade_for(score: Decimal, kind: GradingType, grade: str | None) -> None:
    assert grade_for(score, D(10), kind) == grade


@pytest.mark.parametrize("score", [D(-1), D("0.001"), D("Infinity"), D(101)])
def test_scores_out_of_range_are_refused(score: Decimal) -> None:
    with pytest.raises(InvalidInput):
        check_score(score, D(10))


# A course's own scheme: distinctions, with a floor that has decimals.
HONOURS = GradingScheme.of([("Dist", D(85)), ("Merit", D("72.5")), ("Pass", D(50)), ("Fail", 0)])
# The default letters with the course's own cut-offs (so each letter has a GPA).
STRICT_AF = GradingScheme.of([("A", 90), ("B", 80), ("C", 70), ("D", 60), ("F", 0)])


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (D("8.5"), "Dist"),  # exactly on a floor earns it
        (D("8.49"), "Merit"),
        (D("7.25"), "Merit"),  # on a floor with decimals
        (D("7.24"), "Pass"),
        (D("5"), "Pass"),
        (D("4.99"), "Fail"),
        (D("0"), "Fail"),  # 0 is the lowest letter's floor
        (D("25"), "Dist"),  # over 100 % (extra credit): the top letter
    ],
)
def test_letter_grade_uses_the_course_scheme(score: Decimal, grade: str) -> None:
    assert grade_for(score, D(10), GradingType.LETTER_GRADE, HONOURS) == grade


def test_no_scheme_is_canvas_default() -> None:
    assert grade_for(D("9.4"), D(10), GradingType.LETTER_GRADE, None) == "A"
    assert letter_for(D(0)) == "F" and letter_for(D(150)) == "A"


def test_gpa_uses_a_scheme_of_default_letters_and_falls_back_otherwise() -> None:
    # 90 % is an A under the course's own A-F cut-offs (4.0), an A- by default (3.7).
    assert grade_for(D("9.0"), D(10), GradingType.GPA_SCALE, STRICT_AF) == "4.0"
    assert grade_for(D("9.0"), D(10), GradingType.GPA_SCALE, None) == "3.7"
    # Letters without a GPA: the default scheme decides.
    assert gpa_scheme(HONOURS) == DEFAULT_SCHEME
    assert grade_for(D("9.0"), D(10), GradingType.GPA_SCALE, HONOURS) == "3.7"
    # Other grading types ignore the scheme.
    assert grade_for(D("9.0"), D(10), GradingType.PERCENT, HONOURS) == "90%"
    assert grade_for(D("9.0"), D(10), GradingType.PASS_FAIL, HONOURS) == "complete"


def test_an_event_scheme_is_read_exactly() -> None:
    assert read_scheme([("Dist", 85), ("Merit", 72.5), ("Pass", "50"), ("Fail", 0.0)]) == HONOURS


@pytest.mark.parametrize(
    "levels",
    [
        [],
        [("A", 90), ("B", 10)],  # no floor at 0: some scores would have no letter
        [("A", 80), ("B", 90), ("F", 0)],  # out of order
        [("A", 80), ("B", 80), ("F", 0)],
        [("A", 101), ("F", 0)],
        [("A", "NaN"), ("F", 0)],
        [("A", "x"), ("F", 0)],
        [("A", True), ("F", 0)],
        [("", 50), ("F", 0)],
        [("A" * 17, 50), ("F", 0)],
        [(1, 50), ("F", 0)],
        [("A", 50), ("a", 0)],
        [(f"L{i}", 20 - i) for i in range(21)],
    ],
)
def test_a_scheme_that_breaks_the_rules_is_refused(levels: list[Any]) -> None:
    with pytest.raises(InvalidInput):
        read_scheme(levels)
