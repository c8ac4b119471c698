"""Facts this service tells others: ``submission.*`` on topic ``submission`` and ``grade.*`` on
topic ``grade``, keyed by the submission id, each with the submission as it is after the change.

There is no ``submission.updated``: an attempt is never replaced in place (``PUT`` hands in a
new one, ``submission.resubmitted``), and every grader's change is ``grade.recorded``
(docs/services/submission.md, "Events")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from lms.submission.domain.submissions import Submission
from lms_platform.kernel.events import DomainEvent


def _decimal(value: Any) -> float | None:
    return float(value) if value is not None else None


def submission_snapshot(submission: Submission) -> dict[str, Any]:
    latest = submission.latest
    grade = submission.grade
    return {
        "id": str(submission.id),
        "assignment_id": str(submission.assignment_id),
        "course_id": str(submission.course_id),
        "student_id": str(submission.student_id),
        "state": submission.state.value,
        "attempt": latest.number if latest else 0,
        "kind": latest.work.kind.value if latest else None,
        "submitted_at": latest.submitted_at.isoformat() if latest else None,
        "late": submission.late,
        "seconds_late": submission.seconds_late,
        "excused": submission.excused,
        "score": _decimal(grade.score) if grade else None,
        "grade": grade.grade if grade else None,
        "points_deducted": _decimal(grade.points_deducted) if grade else None,
        "graded_by": grade.graded_by if grade else None,
        "graded_at": grade.graded_at.isoformat() if grade else None,
        "posted_at": submission.posted_at.isoformat() if submission.posted_at else None,
        "version": submission.version,
    }


@dataclass(frozen=True, kw_only=True)
class SubmissionEvent(DomainEvent):
    topic: ClassVar[str] = "submission"
    submission: dict[str, Any]


class SubmissionCreated(SubmissionEvent):
    event_type: ClassVar[str] = "submission.created"


class SubmissionResubmitted(SubmissionEvent):
    event_type: ClassVar[str] = "submission.resubmitted"


@dataclass(frozen=True, kw_only=True)
class GradeEvent(DomainEvent):
    topic: ClassVar[str] = "grade"
    submission: dict[str, Any]


class GradeRecorded(GradeEvent):
    event_type: ClassVar[str] = "grade.recorded"


class GradePosted(GradeEvent):
    event_type: ClassVar[str] = "grade.posted"


def event_of(kind: type[SubmissionEvent] | type[GradeEvent], submission: Submission) -> DomainEvent:
    return kind(
        aggregate_id=str(submission.id),
        tenant_id=submission.tenant_id,
        submission=submission_snapshot(submission),
    )
