"""Rows and snapshots to domain objects and back."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from lms.submission.adapters.persistence.models import (
    AttemptRecord,
    CommentRecord,
    SubmissionRecord,
    SubmittedFileRecord,
    UploadRecord,
)
from lms.submission.domain.assignments import (
    AssignmentRules,
    CoursePolicy,
    FileRules,
    GradePosting,
    SubmissionKind,
)
from lms.submission.domain.submissions import (
    Attempt,
    Comment,
    Grade,
    LateStatus,
    StoredFile,
    Submission,
    Work,
    WorkflowState,
)
from lms.submission.domain.uploads import Upload, UploadStatus
from lms_platform.kernel.grading import (
    AssignmentDates,
    DateOverride,
    GradingType,
    LateInterval,
    LatePolicy,
    OverrideTarget,
)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def rules_from_snapshot(tenant_id: str, snapshot: dict[str, Any], deleted: bool) -> AssignmentRules:
    """The assignment service's snapshot (docs/services/assignment.md) as this service's rules."""
    overrides = tuple(
        DateOverride(
            target=OverrideTarget(o["target"]),
            target_id=UUID(o["target_id"]),
            fields=frozenset(o["dates"]),
            **{k: _when(v) for k, v in o["dates"].items()},
        )  # fmt: skip
        for o in snapshot.get("overrides", [])
    )
    files = snapshot.get("file_rules") or {}
    return AssignmentRules(
        id=UUID(snapshot["id"]), tenant_id=tenant_id, course_id=UUID(snapshot["course_id"]),
        title=snapshot.get("title", ""), published=snapshot.get("status") == "published",
        deleted=deleted or snapshot.get("deleted_at") is not None, locked=bool(snapshot.get("locked")),
        dates=AssignmentDates(
            unlock_at=_when(snapshot.get("unlock_at")), due_at=_when(snapshot.get("due_at")),
            lock_at=_when(snapshot.get("lock_at")),
        ),
        overrides=overrides,
        points_possible=Decimal(str(snapshot.get("points_possible", 0))).quantize(Decimal("0.01")),
        grading_type=GradingType(snapshot.get("grading_type", "points")),
        submission_kinds=frozenset(snapshot.get("submission_types", [])),
        file_rules=FileRules(
            allowed_extensions=tuple(files.get("allowed_extensions") or ()),
            max_file_bytes=files.get("max_file_bytes"), multiple_files=bool(files.get("multiple_files")),
        ),
        allowed_attempts=int(snapshot.get("allowed_attempts", -1)),
        anonymous_grading=bool(snapshot.get("anonymous_grading")),
        grade_posting=GradePosting(snapshot.get("grade_posting", "automatic")),
        version=int(snapshot["version"]),
        section_ids=tuple(UUID(s) for s in snapshot.get("section_ids", [])),
    )  # fmt: skip


def policy_from_snapshot(
    tenant_id: str, course_id: UUID, version: int, data: dict[str, Any], at: datetime
) -> CoursePolicy:
    def pct(name: str, default: str) -> Decimal:
        return Decimal(str(data.get(name, default))).quantize(Decimal("0.01"))

    return CoursePolicy(
        tenant_id=tenant_id, course_id=course_id, version=version, updated_at=at,
        policy=LatePolicy(
            late_deduction_enabled=bool(data.get("late_deduction_enabled")),
            late_deduction_percent=pct("late_deduction_percent", "0"),
            late_interval=LateInterval(data.get("late_interval", "day")),
            minimum_percent_enabled=bool(data.get("minimum_percent_enabled")),
            minimum_percent=pct("minimum_percent", "0"),
            missing_deduction_enabled=bool(data.get("missing_deduction_enabled")),
            missing_deduction_percent=pct("missing_deduction_percent", "100"),
        ),
    )  # fmt: skip


def upload_from(record: UploadRecord) -> Upload:
    return Upload(
        id=record.id, tenant_id=record.tenant_id, assignment_id=record.assignment_id,
        student_id=record.student_id, filename=record.filename, extension=record.extension,
        size=record.size, content_type=record.content_type, sha256=record.sha256, key=record.key,
        multipart_id=record.multipart_id, part_bytes=record.part_bytes, status=UploadStatus(record.status),
        created_at=record.created_at, expires_at=record.expires_at, submission_id=record.submission_id,
    )  # fmt: skip


def upload_values(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.id, "tenant_id": upload.tenant_id, "assignment_id": upload.assignment_id,
        "student_id": upload.student_id, "filename": upload.filename, "extension": upload.extension,
        "size": upload.size, "content_type": upload.content_type, "sha256": upload.sha256,
        "key": upload.key, "multipart_id": upload.multipart_id, "part_bytes": upload.part_bytes,
        "status": upload.status.value, "submission_id": upload.submission_id,
        "created_at": upload.created_at, "expires_at": upload.expires_at,
    }  # fmt: skip


def submission_from(
    record: SubmissionRecord, attempts: list[AttemptRecord], files: list[SubmittedFileRecord],
    comments: list[CommentRecord],
) -> Submission:  # fmt: skip
    by_attempt: dict[int, list[StoredFile]] = {}
    for f in files:
        by_attempt.setdefault(f.attempt, []).append(
            StoredFile(
                id=f.id,
                filename=f.filename,
                key=f.key,
                size=f.size,
                content_type=f.content_type,
                sha256=f.sha256,
            )
        )
    grade = None
    if record.graded_at is not None and record.graded_by is not None:
        grade = Grade(
            entered_score=record.entered_score, score=record.score, grade=record.grade,
            points_deducted=record.points_deducted or Decimal(0), graded_by=record.graded_by,
            graded_at=record.graded_at, attempt=record.graded_attempt or 0,
        )  # fmt: skip
    return Submission(
        id=record.id, tenant_id=record.tenant_id, assignment_id=record.assignment_id,
        course_id=record.course_id, student_id=record.student_id, state=WorkflowState(record.state),
        attempts=[
            Attempt(
                number=a.number, submitted_at=a.submitted_at, submitted_by=a.submitted_by,
                late=a.late, seconds_late=a.seconds_late,
                work=Work(kind=SubmissionKind(a.kind), files=tuple(by_attempt.get(a.number, [])), text=a.body, url=a.url),
            )
            for a in sorted(attempts, key=lambda a: a.number)
        ],
        comments=[
            Comment(id=c.id, attempt=c.attempt, author_id=c.author_id, text=c.body, created_at=c.created_at)
            for c in sorted(comments, key=lambda c: c.created_at)
        ],
        grade=grade, excused=record.excused,
        late_status=LateStatus(record.late_status) if record.late_status else None,
        posted_at=record.posted_at, created_at=record.created_at, updated_at=record.updated_at,
        version=record.version,
    )  # fmt: skip


def submission_values(s: Submission) -> dict[str, Any]:
    g = s.grade
    return {
        "id": s.id, "tenant_id": s.tenant_id, "assignment_id": s.assignment_id, "course_id": s.course_id,
        "student_id": s.student_id, "state": s.state.value, "attempt_count": len(s.attempts),
        "late": s.late, "excused": s.excused, "late_status": s.late_status.value if s.late_status else None,
        "entered_score": g.entered_score if g else None, "score": g.score if g else None,
        "grade": g.grade if g else None, "points_deducted": g.points_deducted if g else None,
        "graded_by": g.graded_by if g else None, "graded_at": g.graded_at if g else None,
        "graded_attempt": g.attempt if g else None, "posted_at": s.posted_at,
        "created_at": s.created_at, "updated_at": s.updated_at, "version": s.version,
    }  # fmt: skip
