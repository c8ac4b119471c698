"""Grades from scores under each grading type, and the score bounds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lms.submission.domain.grades import check_score, grade_for
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import GradingType

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
