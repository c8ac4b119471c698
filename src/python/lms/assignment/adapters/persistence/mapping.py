"""Rows to aggregates and back. Reads map Core rows and ORM records alike (by column name)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lms.assignment.adapters.persistence.models import NO_DUE_DATE_ORDER
from lms.assignment.domain.assignments import (
    Assignment,
    AssignmentContent,
    AssignmentStatus,
    FileRules,
    GradePosting,
    SubmissionType,
)
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.grading import (
    AssignmentDates,
    DateOverride,
    GradingType,
    LateInterval,
    LatePolicy,
    OverrideTarget,
)


def override_from_row(row: Any) -> Override:
    fields = frozenset(row.fields)
    return Override(
        id=row.id,
        rule=DateOverride(
            target=OverrideTarget(row.target),
            target_id=row.target_id,
            fields=fields,
            unlock_at=row.unlock_at if "unlock_at" in fields else None,
            due_at=row.due_at if "due_at" in fields else None,
            lock_at=row.lock_at if "lock_at" in fields else None,
        ),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def override_values(override: Override) -> dict[str, Any]:
    rule = override.rule
    return {
        "target": rule.target.value,
        "target_id": rule.target_id,
        "fields": sorted(rule.fields),
        "unlock_at": rule.unlock_at,
        "due_at": rule.due_at,
        "lock_at": rule.lock_at,
        "created_at": override.created_at,
        "updated_at": override.updated_at,
    }


def assignment_from_row(row: Any, overrides: Iterable[Any] = ()) -> Assignment:
    content = AssignmentContent(
        title=row.title,
        description=row.description,
        section_ids=tuple(row.section_ids),
        dates=AssignmentDates(unlock_at=row.unlock_at, due_at=row.due_at, lock_at=row.lock_at),
        points_possible=row.points_possible,
        grading_type=GradingType(row.grading_type),
        submission_types=tuple(SubmissionType(t) for t in row.submission_types),
        file_rules=FileRules(
            allowed_extensions=tuple(row.allowed_extensions),
            max_file_bytes=row.max_file_bytes,
            multiple_files=row.multiple_files,
        ),
        allowed_attempts=row.allowed_attempts,
        anonymous_grading=row.anonymous_grading,
        grade_posting=GradePosting(row.grade_posting),
        announce_before_unlock=row.announce_before_unlock,
    )
    return Assignment(
        id=row.id,
        tenant_id=row.tenant_id,
        course_id=row.course_id,
        content=content,
        status=AssignmentStatus(row.status),
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        locked=row.locked,
        deleted_at=row.deleted_at,
        overrides=tuple(override_from_row(o) for o in overrides),
        version=row.version,
    )


def assignment_values(assignment: Assignment) -> dict[str, Any]:
    """Every column of ``assignments`` but the id."""
    content = assignment.content
    dates = content.dates
    return {
        "tenant_id": assignment.tenant_id,
        "course_id": assignment.course_id,
        "section_ids": list(content.section_ids),
        "title": content.title,
        "description": content.description,
        "status": assignment.status.value,
        "unlock_at": dates.unlock_at,
        "due_at": dates.due_at,
        "lock_at": dates.lock_at,
        "due_order": dates.due_at if dates.due_at is not None else NO_DUE_DATE_ORDER,
        "points_possible": content.points_possible,
        "grading_type": content.grading_type.value,
        "submission_types": [t.value for t in content.submission_types],
        "allowed_extensions": list(content.file_rules.allowed_extensions),
        "max_file_bytes": content.file_rules.max_file_bytes,
        "multiple_files": content.file_rules.multiple_files,
        "allowed_attempts": content.allowed_attempts,
        "anonymous_grading": content.anonymous_grading,
        "grade_posting": content.grade_posting.value,
        "announce_before_unlock": content.announce_before_unlock,
        "locked": assignment.locked,
        "created_by": assignment.created_by,
        "created_at": assignment.created_at,
        "updated_at": assignment.updated_at,
        "published_at": assignment.published_at,
        "deleted_at": assignment.deleted_at,
        "version": assignment.version,
    }


def late_policy_from_row(row: Any) -> CourseLatePolicy:
    return CourseLatePolicy(
        tenant_id=row.tenant_id,
        course_id=row.course_id,
        policy=LatePolicy(
            late_deduction_enabled=row.late_deduction_enabled,
            late_deduction_percent=row.late_deduction_percent,
            late_interval=LateInterval(row.late_interval),
            minimum_percent_enabled=row.minimum_percent_enabled,
            minimum_percent=row.minimum_percent,
            missing_deduction_enabled=row.missing_deduction_enabled,
            missing_deduction_percent=row.missing_deduction_percent,
        ),
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        version=row.version,
    )


def late_policy_values(course_policy: CourseLatePolicy) -> dict[str, Any]:
    policy = course_policy.policy
    return {
        "tenant_id": course_policy.tenant_id,
        "late_deduction_enabled": policy.late_deduction_enabled,
        "late_deduction_percent": policy.late_deduction_percent,
        "late_interval": policy.late_interval.value,
        "minimum_percent_enabled": policy.minimum_percent_enabled,
        "minimum_percent": policy.minimum_percent,
        "missing_deduction_enabled": policy.missing_deduction_enabled,
        "missing_deduction_percent": policy.missing_deduction_percent,
        "updated_by": course_policy.updated_by,
        "updated_at": course_policy.updated_at,
        "version": course_policy.version,
    }


def known_course_from_row(row: Any) -> KnownCourse:
    return KnownCourse(
        tenant_id=row.tenant_id,
        course_id=row.course_id,
        status=row.status,
        version=row.version,
        updated_at=row.updated_at,
        deleted=row.deleted,
    )
