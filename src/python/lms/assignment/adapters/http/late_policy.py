"""A course's late policy (``/courses/{id}/late-policy``) and what it makes of one submission
time for one student (``/assignments/{id}/late-policy/preview``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get, put
from litestar.params import FromPath, JSONBody, QueryParameter

from lms.assignment.adapters.http.etags import ETAG, IfMatch, expected_version, with_etag
from lms.assignment.adapters.http.schemas import DateSources, LatePolicyBody, LatePolicyResponse
from lms.assignment.application.late_policies import GetLatePolicy, SetLatePolicy
from lms.assignment.application.preview import LatePreview, PreviewLatePolicy
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal


class EvaluationResponse(msgspec.Struct, kw_only=True):
    """The kernel's verdict (``lms_platform.kernel.grading.evaluate``), the one the submission
    service applies. ``points_deducted`` is for a full score; the minimum is measured from
    the actual score when one is graded."""

    submitted: bool
    window: Literal["not_yet_open", "open", "closed"]
    accepted: bool
    late: bool
    seconds_late: int
    intervals_late: int
    missing: bool
    deduction_percent: float
    points_possible: float
    points_deducted: float
    score_for_missing: float | None


class PreviewDates(msgspec.Struct, kw_only=True):
    unlock_at: datetime | None
    due_at: datetime | None
    lock_at: datetime | None
    sources: DateSources


class LatePreviewResponse(msgspec.Struct, kw_only=True):
    assignment_id: UUID
    student_id: UUID | None
    submitted_at: datetime | None
    evaluated_at: datetime
    dates: PreviewDates
    policy: LatePolicyBody
    result: EvaluationResponse

    @classmethod
    def from_domain(cls, preview: LatePreview) -> LatePreviewResponse:
        evaluation, possible = preview.evaluation, preview.assignment.content.points_possible
        missing_score = evaluation.score_for_missing(possible)
        return cls(
            assignment_id=preview.assignment.id,
            student_id=preview.student_id,
            submitted_at=preview.submitted_at,
            evaluated_at=preview.evaluated_at,
            dates=PreviewDates(
                unlock_at=preview.dates.unlock_at,
                due_at=preview.dates.due_at,
                lock_at=preview.dates.lock_at,
                sources=DateSources.of(preview.dates),
            ),
            policy=LatePolicyBody.from_domain(preview.policy.policy),
            result=EvaluationResponse(
                submitted=evaluation.submitted,
                window=evaluation.window.value,
                accepted=evaluation.accepted,
                late=evaluation.late,
                seconds_late=evaluation.seconds_late,
                intervals_late=evaluation.intervals_late,
                missing=evaluation.missing,
                deduction_percent=float(evaluation.deduction_percent),
                points_possible=float(possible),
                points_deducted=float(evaluation.points_deducted(possible, possible)),
                score_for_missing=float(missing_score) if missing_score is not None else None,
            ),
        )


SubmittedAt = Annotated[
    datetime | None,
    QueryParameter(
        description="When the work is (or would be) handed in, RFC 3339 with an offset; "
        "omitted: nothing handed in by now"
    ),
]


def _aware(value: datetime | None) -> datetime | None:
    from litestar.exceptions import ValidationException

    if value is not None and value.utcoffset() is None:
        raise ValidationException("submitted_at needs a time zone offset")
    return value


class LatePolicyController(Controller):
    tags = ["late policy"]

    @get(
        "/courses/{course_id:uuid}/late-policy",
        response_headers=[ETAG],
        summary="A course's late policy",
    )
    @inject
    async def get_late_policy(
        self,
        course_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetLatePolicy],
    ) -> Response[LatePolicyResponse]:
        policy = await use_case(principal, course_id)
        return with_etag(LatePolicyResponse.from_domain(policy), policy.version)

    @put(
        "/courses/{course_id:uuid}/late-policy",
        response_headers=[ETAG],
        summary="Set a course's late policy (course staff)",
        responses=problems(403, 409, 412),
    )
    @inject
    async def put_late_policy(
        self,
        course_id: FromPath[UUID],
        data: JSONBody[LatePolicyBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[SetLatePolicy],
        if_match: IfMatch = None,
    ) -> Response[LatePolicyResponse]:
        policy = await use_case(principal, course_id, data.to_domain(), expected_version(if_match))
        return with_etag(LatePolicyResponse.from_domain(policy), policy.version)

    @get(
        "/assignments/{assignment_id:uuid}/late-policy/preview",
        summary="What the late policy makes of a submission time for one student",
        responses=problems(403),
    )
    @inject
    async def preview_late_policy(
        self,
        assignment_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[PreviewLatePolicy],
        submitted_at: SubmittedAt = None,
        student_id: Annotated[
            UUID | None, QueryParameter(description="staff: whose dates; students: their own")
        ] = None,
    ) -> LatePreviewResponse:
        preview = await use_case(
            principal, assignment_id, submitted_at=_aware(submitted_at), student_id=student_id
        )
        return LatePreviewResponse.from_domain(preview)
