"""Facts this service tells others, on topic ``assignment``, keyed by the assignment id (the
late policy by its course id). Each assignment event carries the whole assignment after the
change, overrides included, with its ``version``: a consumer (submission, search) keeps its
copy from these alone, the highest version winning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.events import DomainEvent

ASSIGNMENT_TOPIC = "assignment"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def override_snapshot(override: Override) -> dict[str, Any]:
    return {
        "id": str(override.id),
        "target": override.target.value,
        "target_id": str(override.target_id),
        "dates": {name: _iso(value) for name, value in override.dates.items()},
        "updated_at": override.updated_at.isoformat(),
    }


def assignment_snapshot(assignment: Assignment) -> dict[str, Any]:
    content = assignment.content
    return {
        "id": str(assignment.id),
        "course_id": str(assignment.course_id),
        "section_ids": [str(s) for s in content.section_ids],
        "title": content.title,
        "description": content.description,
        "status": assignment.status.value,
        "unlock_at": _iso(content.dates.unlock_at),
        "due_at": _iso(content.dates.due_at),
        "lock_at": _iso(content.dates.lock_at),
        "points_possible": float(content.points_possible),
        "grading_type": content.grading_type.value,
        "submission_types": [t.value for t in content.submission_types],
        "file_rules": {
            "allowed_extensions": list(content.file_rules.allowed_extensions),
            "max_file_bytes": content.file_rules.max_file_bytes,
            "multiple_files": content.file_rules.multiple_files,
        },
        "allowed_attempts": content.allowed_attempts,
        "anonymous_grading": content.anonymous_grading,
        "grade_posting": content.grade_posting.value,
        "announce_before_unlock": content.announce_before_unlock,
        "locked": assignment.locked,
        "overrides": [override_snapshot(o) for o in assignment.overrides],
        "created_by": assignment.created_by,
        "created_at": assignment.created_at.isoformat(),
        "published_at": _iso(assignment.published_at),
        "updated_at": assignment.updated_at.isoformat(),
        "deleted_at": _iso(assignment.deleted_at),
        "version": assignment.version,
    }


@dataclass(frozen=True, kw_only=True)
class AssignmentEvent(DomainEvent):
    topic: ClassVar[str] = ASSIGNMENT_TOPIC
    assignment: dict[str, Any]
    changed_fields: list[str]


class AssignmentCreated(AssignmentEvent):
    event_type: ClassVar[str] = "assignment.created"


class AssignmentUpdated(AssignmentEvent):
    event_type: ClassVar[str] = "assignment.updated"


class AssignmentPublished(AssignmentEvent):
    event_type: ClassVar[str] = "assignment.published"


class AssignmentDeleted(AssignmentEvent):
    event_type: ClassVar[str] = "assignment.deleted"


@dataclass(frozen=True, kw_only=True)
class AssignmentOverrideChanged(AssignmentEvent):
    event_type: ClassVar[str] = "assignment.override_changed"
    override_id: str
    change: str  # created | updated | deleted


@dataclass(frozen=True, kw_only=True)
class LatePolicyChanged(DomainEvent):
    """Keyed by the course: the submission service applies the course's newest policy."""

    event_type: ClassVar[str] = "assignment.late_policy_changed"
    topic: ClassVar[str] = ASSIGNMENT_TOPIC
    course_id: str
    late_policy: dict[str, Any]
    version: int


def assignment_event(
    kind: type[AssignmentEvent], assignment: Assignment, changed: list[str] | None = None
) -> AssignmentEvent:
    return kind(
        aggregate_id=str(assignment.id),
        tenant_id=assignment.tenant_id,
        assignment=assignment_snapshot(assignment),
        changed_fields=sorted(changed or []),
    )


def override_changed(assignment: Assignment, override_id: UUID, change: str) -> AssignmentEvent:
    return AssignmentOverrideChanged(
        aggregate_id=str(assignment.id),
        tenant_id=assignment.tenant_id,
        assignment=assignment_snapshot(assignment),
        changed_fields=["overrides"],
        override_id=str(override_id),
        change=change,
    )


def late_policy_snapshot(course_policy: CourseLatePolicy) -> dict[str, Any]:
    policy = course_policy.policy
    return {
        "late_deduction_enabled": policy.late_deduction_enabled,
        "late_deduction_percent": float(policy.late_deduction_percent),
        "late_interval": policy.late_interval.value,
        "minimum_percent_enabled": policy.minimum_percent_enabled,
        "minimum_percent": float(policy.minimum_percent),
        "missing_deduction_enabled": policy.missing_deduction_enabled,
        "missing_deduction_percent": float(policy.missing_deduction_percent),
        "updated_at": course_policy.updated_at.isoformat(),
    }


def late_policy_changed(course_policy: CourseLatePolicy) -> LatePolicyChanged:
    return LatePolicyChanged(
        aggregate_id=str(course_policy.course_id),
        tenant_id=course_policy.tenant_id,
        course_id=str(course_policy.course_id),
        late_policy=late_policy_snapshot(course_policy),
        version=course_policy.version,
    )
