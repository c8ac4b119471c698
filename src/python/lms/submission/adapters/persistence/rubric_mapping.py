"""Rubrics and rubric assessments to rows and back (criteria as JSON, points as strings so no
decimal is rounded through a float)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lms.submission.adapters.persistence.models import RubricAssessmentRecord, RubricRecord
from lms.submission.domain.rubrics import (
    Criterion,
    CriterionScore,
    Rating,
    Rubric,
    RubricAssessment,
)


def rubric_from(record: RubricRecord) -> Rubric:
    return Rubric(
        id=record.id, tenant_id=record.tenant_id, assignment_id=record.assignment_id,
        course_id=record.course_id, title=record.title, version=record.version,
        created_by=record.created_by, created_at=record.created_at, updated_at=record.updated_at,
        criteria=tuple(
            Criterion(
                id=c["id"], description=c["description"], long_description=c.get("long_description", ""),
                points=Decimal(c["points"]),
                ratings=tuple(
                    Rating(id=r["id"], description=r["description"], points=Decimal(r["points"]))
                    for r in c["ratings"]
                ),
            )
            for c in record.criteria
        ),
    )  # fmt: skip


def rubric_values(rubric: Rubric) -> dict[str, Any]:
    return {
        "id": rubric.id, "tenant_id": rubric.tenant_id, "assignment_id": rubric.assignment_id,
        "course_id": rubric.course_id, "title": rubric.title, "version": rubric.version,
        "points_possible": rubric.points_possible, "created_by": rubric.created_by,
        "created_at": rubric.created_at, "updated_at": rubric.updated_at,
        "criteria": [
            {
                "id": c.id, "description": c.description, "long_description": c.long_description,
                "points": str(c.points),
                "ratings": [
                    {"id": r.id, "description": r.description, "points": str(r.points)}
                    for r in c.ratings
                ],
            }
            for c in rubric.criteria
        ],
    }  # fmt: skip


def assessment_from(record: RubricAssessmentRecord) -> RubricAssessment:
    return RubricAssessment(
        rubric_id=record.rubric_id, rubric_version=record.rubric_version,
        assessor_id=record.assessor_id, assessed_at=record.assessed_at,
        criteria={
            criterion_id: CriterionScore(
                points=Decimal(c["points"]), rating_id=c.get("rating_id"), comment=c.get("comment")
            )
            for criterion_id, c in record.criteria.items()
        },
    )  # fmt: skip


def assessment_values(submission_id: Any, assessment: RubricAssessment) -> dict[str, Any]:
    return {
        "submission_id": submission_id, "rubric_id": assessment.rubric_id,
        "rubric_version": assessment.rubric_version, "score": assessment.score,
        "assessor_id": assessment.assessor_id, "assessed_at": assessment.assessed_at,
        "criteria": {
            criterion_id: {"points": str(c.points), "rating_id": c.rating_id, "comment": c.comment}
            for criterion_id, c in assessment.criteria.items()
        },
    }  # fmt: skip
