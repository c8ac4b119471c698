"""Bodies of bulk grading (``POST /assignments/{id}/grades``): the grades in, one result per
grade out (msgspec; unknown fields refused)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from lms.submission.adapters.http.rubric_schemas import (
    CriterionAssessmentBody,
    ItemId,
    criterion_scores,
)
from lms.submission.application.bulk_grading import MAX_BULK_ITEMS, BulkItem, ItemResult
from lms.submission.application.grading import GradeCommand
from lms.submission.domain.rubrics import MAX_CRITERIA
from lms.submission.domain.submissions import LateStatus
from lms_platform.kernel.errors import InvalidInput

LateStatusName = Literal["late", "missing", "extended", "none"]
Score = Annotated[float, msgspec.Meta(ge=0, le=1_000_000)]
# As the single grade's (rubric_schemas.RubricAssessmentBody), with its size checked here too:
# an item breaking the schema refuses the whole request (400), as any other field does, while an
# item the rubric refuses (a criterion it lacks, points over the criterion's) is reported.
# The platform states the size as minProperties/maxProperties and the keys as propertyNames.
BulkRubricAssessment = Annotated[
    dict[ItemId, CriterionAssessmentBody], msgspec.Meta(min_length=1, max_length=MAX_CRITERIA)
]


class BulkGradeItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One grade: for ``submission_id`` or for the submission of ``student_id`` (one of them;
    a student who handed nothing in gets a submission without an attempt)."""

    submission_id: UUID | None = None
    student_id: UUID | None = None
    score: Score | None = None
    excused: bool | None = None
    late_status: LateStatusName | None = None
    comment: Annotated[str, msgspec.Meta(max_length=8192)] | None = None
    # Points per criterion of the assignment's rubric; their sum is the score (send no score).
    rubric_assessment: BulkRubricAssessment | None = None

    def item(self) -> BulkItem:
        return BulkItem(
            submission_id=self.submission_id, student_id=self.student_id,
            command=GradeCommand(
                score=Decimal(str(self.score)) if self.score is not None else None,
                excused=self.excused, comment=self.comment,
                late_status=LateStatus(self.late_status) if self.late_status else None,
                rubric_assessment=criterion_scores(self.rubric_assessment)
                if self.rubric_assessment is not None else None,
            ),
        )  # fmt: skip


class BulkGradeRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Bounded in the use case, not here: more than MAX_BULK_ITEMS is a 413 (too large), not a 400.
    grades: Annotated[
        list[BulkGradeItem],
        msgspec.Meta(min_length=1, description=f"1 to {MAX_BULK_ITEMS} grades; more is a 413"),
    ]


class ItemProblem(msgspec.Struct, kw_only=True):
    code: str
    detail: str
    field: str | None = None


class ItemReport(msgspec.Struct, kw_only=True):
    item: int  # the grade's position in the request, from 0
    status: Literal["ok", "not_found", "invalid", "refused"]
    submission_id: UUID | None
    problem: ItemProblem | None

    @classmethod
    def of(cls, result: ItemResult) -> ItemReport:
        error = result.problem
        return cls(
            item=result.item, status=result.status.value, submission_id=result.submission_id,
            problem=ItemProblem(
                code=error.code, detail=error.detail,
                field=error.field if isinstance(error, InvalidInput) else None,
            ) if error is not None else None,
        )  # fmt: skip


class BulkGradeResponse(msgspec.Struct, kw_only=True):
    applied: int  # items whose status is ok
    failed: int
    results: list[ItemReport]

    @classmethod
    def of(cls, results: list[ItemResult]) -> BulkGradeResponse:
        reports = [ItemReport.of(r) for r in results]
        applied = sum(1 for r in reports if r.status == "ok")
        return cls(applied=applied, failed=len(reports) - applied, results=reports)
