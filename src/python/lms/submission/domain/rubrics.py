"""Rubrics (as in Canvas): criteria, each worth some points and described by ratings, attached to
one assignment; and a grader's assessment of one submission against it, whose points per
criterion add up to the score.

A rubric is not changed or removed once a submission was assessed with it (``RubricInUse``):
an assessment always refers to the criteria it was made against."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound

MAX_CRITERIA = 50
MAX_RATINGS = 20
MAX_CRITERION_POINTS = Decimal(1000)
_CENT = Decimal("0.01")


class RubricNotFound(NotFound):
    code = "rubric_not_found"


class RubricInUse(Conflict):
    code = "rubric_in_use"


def _points(value: Decimal, field: str, limit: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value <= limit:
        raise InvalidInput(f"{field} must be between 0 and {limit}", field=field)
    if value != value.quantize(_CENT):
        raise InvalidInput(f"{field} has at most two decimals", field=field)
    return value.quantize(_CENT)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rating:
    id: str
    description: str
    points: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    id: str
    description: str
    long_description: str
    points: Decimal
    ratings: tuple[Rating, ...]

    def rating(self, rating_id: str) -> Rating | None:
        return next((r for r in self.ratings if r.id == rating_id), None)


def check_criteria(criteria: Sequence[Criterion]) -> tuple[Criterion, ...]:
    """The criteria as a rubric keeps them: 1 to ``MAX_CRITERIA``, ids unique, points in
    bounds, each rating worth at most its criterion."""
    if not 1 <= len(criteria) <= MAX_CRITERIA:
        raise InvalidInput(f"a rubric has 1 to {MAX_CRITERIA} criteria", field="criteria")
    seen: set[str] = set()
    checked = []
    for criterion in criteria:
        if criterion.id in seen:
            raise InvalidInput(f"criterion id {criterion.id!r} is used twice", field="criteria")
        seen.add(criterion.id)
        points = _points(criterion.points, "points", MAX_CRITERION_POINTS)
        if not 1 <= len(criterion.ratings) <= MAX_RATINGS:
            raise InvalidInput(f"a criterion has 1 to {MAX_RATINGS} ratings", field="ratings")
        ratings = []
        for rating in criterion.ratings:
            if rating.id in seen:
                raise InvalidInput(f"rating id {rating.id!r} is used twice", field="ratings")
            seen.add(rating.id)
            rating_points = _points(rating.points, "points", MAX_CRITERION_POINTS)
            if rating_points > points:
                raise InvalidInput(
                    f"rating {rating.id!r} is worth more than its criterion ({points})",
                    field="ratings",
                )
            ratings.append(
                Rating(id=rating.id, description=rating.description, points=rating_points)
            )
        checked.append(
            Criterion(
                id=criterion.id, description=criterion.description,
                long_description=criterion.long_description, points=points, ratings=tuple(ratings),
            )  # fmt: skip
        )
    return tuple(checked)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rubric:
    id: UUID
    tenant_id: str
    assignment_id: UUID
    course_id: UUID
    title: str
    criteria: tuple[Criterion, ...]
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    @property
    def points_possible(self) -> Decimal:
        return sum((c.points for c in self.criteria), Decimal(0))

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionScore:
    points: Decimal
    rating_id: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RubricAssessment:
    """A grader's points (and a rating and comment) per criterion of one rubric version."""

    rubric_id: UUID
    rubric_version: int
    criteria: Mapping[str, CriterionScore]
    assessor_id: str
    assessed_at: datetime

    @property
    def score(self) -> Decimal:
        return sum((c.points for c in self.criteria.values()), Decimal(0))


MAX_ASSESSMENT_COMMENT = 8192


def assess(
    rubric: Rubric, scores: Mapping[str, CriterionScore], *, by: str, at: datetime
) -> RubricAssessment:
    """The assessment, if every criterion named is the rubric's, its points within 0 and the
    criterion's points, and its rating (when given) one of the criterion's."""
    checked: dict[str, CriterionScore] = {}
    for criterion_id, given in scores.items():
        criterion = rubric.criterion(criterion_id)
        field = f"rubric_assessment.{criterion_id}"
        if criterion is None:
            raise InvalidInput(f"the rubric has no criterion {criterion_id!r}", field=field)
        points = _points(given.points, f"{field}.points", criterion.points)
        if given.rating_id is not None and criterion.rating(given.rating_id) is None:
            raise InvalidInput(
                f"criterion {criterion_id!r} has no rating {given.rating_id!r}", field=field
            )
        comment = given.comment if given.comment and given.comment.strip() else None
        if comment is not None and len(comment) > MAX_ASSESSMENT_COMMENT:
            raise InvalidInput(
                f"a comment has at most {MAX_ASSESSMENT_COMMENT} characters", field=field
            )
        checked[criterion_id] = CriterionScore(
            points=points, rating_id=given.rating_id, comment=comment
        )
    if not checked:
        raise InvalidInput("the assessment names no criterion", field="rubric_assessment")
    return RubricAssessment(
        rubric_id=rubric.id, rubric_version=rubric.version, criteria=checked, assessor_id=by,
        assessed_at=at,
    )  # fmt: skip
