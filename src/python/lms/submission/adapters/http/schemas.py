"""Request and response bodies of the submission API (msgspec; unknown fields refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from lms.submission.adapters.http.rubric_schemas import (
    RubricAssessmentBody,
    RubricAssessmentResponse,
)
from lms.submission.application.reading import SubmissionView
from lms.submission.application.uploads import UploadSlot
from lms.submission.domain.submissions import Attempt, Comment, WorkflowState
from lms.submission.domain.uploads import Upload

Sha256 = Annotated[str, msgspec.Meta(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$")]
LateStatusName = Literal["late", "missing", "extended", "none"]
Score = Annotated[float, msgspec.Meta(ge=0, le=1_000_000)]


class UploadRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    assignment_id: UUID
    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    size: Annotated[int, msgspec.Meta(ge=1, le=1 << 50)]
    sha256: Sha256


class PartPlan(msgspec.Struct, kw_only=True):
    part_number: int
    url: str
    size: int


class UploadResponse(msgspec.Struct, kw_only=True):
    id: UUID
    assignment_id: UUID
    filename: str
    size: int
    content_type: str
    status: str
    expires_at: datetime
    submission_id: UUID | None

    @classmethod
    def of(cls, upload: Upload) -> UploadResponse:
        return cls(
            id=upload.id, assignment_id=upload.assignment_id, filename=upload.filename,
            size=upload.size, content_type=upload.content_type, status=upload.status.value,
            expires_at=upload.expires_at, submission_id=upload.submission_id,
        )  # fmt: skip


class UploadSlotResponse(msgspec.Struct, kw_only=True):
    upload: UploadResponse
    method: str  # PUT
    url: str | None  # one PUT of the whole file, with the headers below
    headers: dict[str, str]
    parts: list[PartPlan]  # or a multipart plan: PUT each part, then confirm with the ETags

    @classmethod
    def of(cls, slot: UploadSlot) -> UploadSlotResponse:
        u = slot.upload
        return cls(
            upload=UploadResponse.of(u), method="PUT", url=slot.url,
            headers={"Content-Type": u.content_type} if slot.url else {},
            parts=[PartPlan(part_number=p.number, url=p.url, size=p.size) for p in slot.parts],
        )  # fmt: skip


class ConfirmedPart(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    part_number: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    etag: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class ConfirmRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    submit: bool = True
    parts: Annotated[list[ConfirmedPart], msgspec.Meta(max_length=1_000)] = []


Text = Annotated[str, msgspec.Meta(min_length=1, max_length=100_000)]
HttpUrl = Annotated[str, msgspec.Meta(min_length=8, max_length=2048, pattern=r"^https?://\S+$")]
UploadIds = Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=20)]


# The work, told apart by ``kind``: text, a URL, or confirmed uploads.
class TextWork(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag="text", tag_field="kind"
):
    text: Text


class UrlWork(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag="url", tag_field="kind"
):
    url: HttpUrl


class FileWork(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag="file", tag_field="kind"
):
    upload_ids: UploadIds


class TextSubmission(
    TextWork, kw_only=True, forbid_unknown_fields=True, tag="text", tag_field="kind"
):
    assignment_id: UUID


class UrlSubmission(UrlWork, kw_only=True, forbid_unknown_fields=True, tag="url", tag_field="kind"):
    assignment_id: UUID


class FileSubmission(
    FileWork, kw_only=True, forbid_unknown_fields=True, tag="file", tag_field="kind"
):
    assignment_id: UUID


SubmitRequest = TextSubmission | UrlSubmission | FileSubmission
ResubmitRequest = TextWork | UrlWork | FileWork


class GradeRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    score: Score | None = None
    excused: bool | None = None
    late_status: LateStatusName | None = None
    comment: Annotated[str, msgspec.Meta(max_length=8192)] | None = None
    # Points per criterion of the assignment's rubric; their sum is the score (send no score).
    rubric_assessment: RubricAssessmentBody | None = None


class FileResponse(msgspec.Struct, kw_only=True):
    id: UUID
    filename: str
    size: int
    content_type: str
    sha256: str


class AttemptResponse(msgspec.Struct, kw_only=True):
    attempt: int
    kind: str
    submitted_at: datetime
    late: bool
    seconds_late: int
    text: str | None
    url: str | None
    files: list[FileResponse]

    @classmethod
    def of(cls, a: Attempt) -> AttemptResponse:
        return cls(
            attempt=a.number, kind=a.work.kind.value, submitted_at=a.submitted_at, late=a.late,
            seconds_late=a.seconds_late, text=a.work.text, url=a.work.url,
            files=[FileResponse(id=f.id, filename=f.filename, size=f.size, content_type=f.content_type, sha256=f.sha256)
                   for f in a.work.files],
        )  # fmt: skip


class CommentResponse(msgspec.Struct, kw_only=True):
    id: UUID
    attempt: int
    author_id: str
    comment: str
    created_at: datetime

    @classmethod
    def of(cls, c: Comment) -> CommentResponse:
        return cls(
            id=c.id,
            attempt=c.attempt,
            author_id=c.author_id,
            comment=c.text,
            created_at=c.created_at,
        )


class SubmissionResponse(msgspec.Struct, kw_only=True):
    id: UUID
    assignment_id: UUID
    course_id: UUID
    student_id: UUID | None  # null while grading is anonymous
    anonymous_id: str
    state: str
    attempt: int
    latest: AttemptResponse | None
    late: bool
    seconds_late: int
    missing: bool
    excused: bool
    late_status: str | None
    entered_score: float | None
    score: float | None
    grade: str | None
    points_deducted: float | None
    graded_by: str | None
    graded_at: datetime | None
    posted_at: datetime | None
    created_at: datetime
    updated_at: datetime
    history: list[AttemptResponse] | None = None
    comments: list[CommentResponse] | None = None
    rubric_assessment: RubricAssessmentResponse | None = None  # with include=rubric

    @classmethod
    def of(cls, view: SubmissionView, include: frozenset[str] = frozenset()) -> SubmissionResponse:
        s = view.submission
        g = s.grade if view.show_grade else None
        state = s.state
        if not view.show_grade and state in (WorkflowState.GRADED, WorkflowState.EXCUSED):
            state = s.ungraded_state  # what the student may know before posting
        latest = s.latest
        return cls(
            id=s.id, assignment_id=s.assignment_id, course_id=s.course_id,
            student_id=None if view.anonymous else s.student_id, anonymous_id=s.id.hex[:10],
            state=state.value, attempt=latest.number if latest else 0,
            latest=AttemptResponse.of(latest) if latest else None,
            late=s.late, seconds_late=s.seconds_late,
            missing=bool(view.show_grade and s.late_status and s.late_status.value == "missing"),
            excused=s.excused and view.show_grade,
            late_status=s.late_status.value if s.late_status and view.show_grade else None,
            entered_score=float(g.entered_score) if g and g.entered_score is not None else None,
            score=float(g.score) if g and g.score is not None else None,
            grade=g.grade if g else None,
            points_deducted=float(g.points_deducted) if g else None,
            graded_by=g.graded_by if g else None,
            graded_at=g.graded_at if g else None, posted_at=s.posted_at,
            created_at=s.created_at, updated_at=s.updated_at,
            history=[AttemptResponse.of(a) for a in s.attempts] if "history" in include else None,
            comments=[CommentResponse.of(c) for c in s.comments]
            if "comments" in include and view.show_grade else None,
            rubric_assessment=RubricAssessmentResponse.of(s.rubric_assessment)
            if "rubric" in include and view.show_grade and s.rubric_assessment else None,
        )  # fmt: skip


class ConfirmResponse(msgspec.Struct, kw_only=True):
    upload: UploadResponse
    submission: SubmissionResponse | None


class DownloadResponse(msgspec.Struct, kw_only=True):
    url: str
    filename: str
    size: int
    expires_in: int


class PostedResponse(msgspec.Struct, kw_only=True):
    posted: int


class PlaceholdersResponse(msgspec.Struct, kw_only=True):
    created: int  # submissions started by this call
    students: int  # active students the assignment is for, each with a submission now
