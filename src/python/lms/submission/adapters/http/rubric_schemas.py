"""Request and response bodies of rubrics, rubric assessments and bulk grading (msgspec;
unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar.params import KwargDefinition

from lms.submission.application.rubrics import CriterionDraft, RatingDraft, RubricDraft
from lms.submission.domain.rubrics import (
    MAX_CRITERIA,
    MAX_RATINGS,
    CriterionScore,
    Rubric,
    RubricAssessment,
)

ITEM_ID_PATTERN = "^[A-Za-z0-9_-]+$"
ItemId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=ITEM_ID_PATTERN)]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
LongDescription = Annotated[str, msgspec.Meta(max_length=2000)]
Points = Annotated[float, msgspec.Meta(ge=0, le=1000)]
Feedback = Annotated[str, msgspec.Meta(max_length=8192)]


def _decimal(value: float) -> Decimal:
    return Decimal(str(value))


class RatingBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    description: Description
    points: Points
    id: ItemId | None = None


class CriterionBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    description: Description
    points: Points
    ratings: Annotated[list[RatingBody], msgspec.Meta(min_length=1, max_length=MAX_RATINGS)]
    long_description: LongDescription = ""
    id: ItemId | None = None


class RubricRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    criteria: Annotated[list[CriterionBody], msgspec.Meta(min_length=1, max_length=MAX_CRITERIA)]
    title: Description = "Rubric"

    def draft(self) -> RubricDraft:
        return RubricDraft(
            title=self.title,
            criteria=[
                CriterionDraft(
                    id=c.id,
                    description=c.description,
                    long_description=c.long_description,
                    points=_decimal(c.points),
                    ratings=[
                        RatingDraft(id=r.id, description=r.description, points=_decimal(r.points))
                        for r in c.ratings
                    ],
                )  # fmt: skip
                for c in self.criteria
            ],
        )


class RatingResponse(msgspec.Struct, kw_only=True):
    id: str
    description: str
    points: float


class CriterionResponse(msgspec.Struct, kw_only=True):
    id: str
    description: str
    long_description: str
    points: float
    ratings: list[RatingResponse]


class RubricResponse(msgspec.Struct, kw_only=True):
    id: UUID
    assignment_id: UUID
    title: str
    points_possible: float
    criteria: list[CriterionResponse]
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, rubric: Rubric) -> RubricResponse:
        return cls(
            id=rubric.id, assignment_id=rubric.assignment_id, title=rubric.title,
            points_possible=float(rubric.points_possible), version=rubric.version,
            created_by=rubric.created_by, created_at=rubric.created_at, updated_at=rubric.updated_at,
            criteria=[
                CriterionResponse(
                    id=c.id, description=c.description, long_description=c.long_description,
                    points=float(c.points),
                    ratings=[RatingResponse(id=r.id, description=r.description, points=float(r.points))
                             for r in c.ratings],
                )
                for c in rubric.criteria
            ],
        )  # fmt: skip


class CriterionAssessmentBody(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    points: Points
    rating_id: ItemId | None = None
    comment: Feedback | None = None


class SchemaExtra(dict[str, Any]):
    """Litestar hashes a field's metadata; a plain dict is not hashable."""

    __hash__ = object.__hash__  # type: ignore[assignment]


# Keys are the rubric's criterion ids: msgspec checks their form (400), the rubric whether it
# has them (422, as for none at all). Litestar states no key constraint, hence propertyNames.
RubricAssessmentBody = Annotated[
    dict[ItemId, CriterionAssessmentBody],
    KwargDefinition(
        schema_extra=SchemaExtra(
            propertyNames={"pattern": ITEM_ID_PATTERN, "minLength": 1, "maxLength": 64},
            minProperties=1,
            maxProperties=MAX_CRITERIA,
        )
    ),
]


def criterion_scores(body: dict[str, CriterionAssessmentBody]) -> dict[str, CriterionScore]:
    return {
        criterion_id: CriterionScore(
            points=_decimal(given.points), rating_id=given.rating_id, comment=given.comment
        )
        for criterion_id, given in body.items()
    }


class CriterionAssessmentResponse(msgspec.Struct, kw_only=True):
    points: float
    rating_id: str | None
    comment: str | None


class RubricAssessmentResponse(msgspec.Struct, kw_only=True):
    rubric_id: UUID
    rubric_version: int
    score: float
    assessor_id: str
    assessed_at: datetime
    criteria: dict[str, CriterionAssessmentResponse]

    @classmethod
    def of(cls, a: RubricAssessment) -> RubricAssessmentResponse:
        return cls(
            rubric_id=a.rubric_id, rubric_version=a.rubric_version, score=float(a.score),
            assessor_id=a.assessor_id, assessed_at=a.assessed_at,
            criteria={
                criterion_id: CriterionAssessmentResponse(
                    points=float(c.points), rating_id=c.rating_id, comment=c.comment
                )
                for criterion_id, c in a.criteria.items()
            },
        )  # fmt: skip
