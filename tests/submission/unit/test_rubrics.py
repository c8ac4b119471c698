"""Rubric rules: the criteria a rubric keeps, and an assessment's points summed to its score."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from lms.submission.domain.rubrics import (
    Criterion,
    CriterionScore,
    Rating,
    Rubric,
    assess,
    check_criteria,
)
from lms_platform.kernel.errors import InvalidInput

D = Decimal
NOW = datetime(2026, 12, 2, tzinfo=UTC)


def _criterion(cid: str, points: str, *ratings: tuple[str, str]) -> Criterion:
    return Criterion(
        id=cid, description=cid, long_description="", points=D(points),
        ratings=tuple(Rating(id=r, description=r, points=D(p)) for r, p in ratings),
    )  # fmt: skip


RUBRIC = Rubric(
    id=uuid4(), tenant_id="c", assignment_id=uuid4(), course_id=uuid4(), title="r",
    criteria=(_criterion("a", "6", ("a6", "6"), ("a0", "0")), _criterion("b", "4", ("b4", "4"))),
    version=3, created_by="t", created_at=NOW, updated_at=NOW,
)  # fmt: skip


def test_points_possible_is_the_sum_of_the_criteria() -> None:
    assert RUBRIC.points_possible == D(10)


def test_an_assessment_sums_its_points_and_keeps_the_version() -> None:
    assessment = assess(
        RUBRIC, {"a": CriterionScore(points=D("5.5"), rating_id="a6"),
                 "b": CriterionScore(points=D("0.25"), comment="  ")},
        by="grader", at=NOW,
    )  # fmt: skip
    assert assessment.score == D("5.75") and assessment.rubric_version == 3
    assert assessment.criteria["b"].comment is None  # a blank comment is no comment


@pytest.mark.parametrize(
    "scores",
    [
        {"x": CriterionScore(points=D(1))},
        {"a": CriterionScore(points=D("6.01"))},
        {"a": CriterionScore(points=D("-0.01"))},
        {"a": CriterionScore(points=D("1.001"))},
        {"a": CriterionScore(points=D("NaN"))},
        {"a": CriterionScore(points=D(1), rating_id="b4")},  # another criterion's rating
        {},
    ],
)
def test_an_assessment_outside_the_rubric_is_refused(scores: dict[str, CriterionScore]) -> None:
    with pytest.raises(InvalidInput):
        assess(RUBRIC, scores, by="grader", at=NOW)


@pytest.mark.parametrize(
    "criteria",
    [
        [],
        [_criterion("a", "1", ("r", "2"))],  # a rating over its criterion
        [_criterion("a", "1", ("r", "1")), _criterion("a", "1", ("s", "1"))],
        [_criterion("a", "1", ("a", "1"))],  # ids are unique across the rubric
        [_criterion("a", "1")],  # no rating
        [_criterion("a", "1001", ("r", "1"))],
    ],
)
def test_criteria_breaking_a_rule_are_refused(criteria: list[Criterion]) -> None:
    with pytest.raises(InvalidInput):
        check_criteria(criteria)
