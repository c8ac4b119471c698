"""This service's copy of an assignment (from ``assignment.*`` events) and of its course's late
policy (``assignment.late_policy_changed``): what a submission is checked and evaluated against.
The dates and the late rule themselves are the kernel's (``lms_platform.kernel.grading``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from lms_platform.kernel.grading import (
    AssignmentDates,
    DateOverride,
    EffectiveDates,
    GradingType,
    LatePolicy,
    effective_dates,
)

UNLIMITED_ATTEMPTS = -1


class SubmissionKind(StrEnum):
    FILE = "file"
    TEXT = "text"
    URL = "url"


class GradePosting(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRules:
    allowed_extensions: tuple[str, ...] = ()  # empty: any
    max_file_bytes: int | None = None  # None: the service's own limit
    multiple_files: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentRules:
    id: UUID
    tenant_id: str
    course_id: UUID
    title: str
    published: bool
    deleted: bool
    locked: bool  # the course was archived: nothing more is accepted
    dates: AssignmentDates
    overrides: tuple[DateOverride, ...]
    points_possible: Decimal
    grading_type: GradingType
    submission_kinds: frozenset[str]  # file, text, url (or none: on paper)
    file_rules: FileRules
    allowed_attempts: int
    anonymous_grading: bool
    grade_posting: GradePosting
    version: int
    section_ids: tuple[UUID, ...] = field(default=())

    @property
    def expects_submission(self) -> bool:
        return bool(self.submission_kinds - {"none"})

    def accepts(self, kind: SubmissionKind) -> bool:
        return kind.value in self.submission_kinds

    def attempts_left(self, used: int) -> bool:
        return self.allowed_attempts == UNLIMITED_ATTEMPTS or used < self.allowed_attempts

    def dates_for(self, student_id: UUID, section_ids: Iterable[UUID]) -> EffectiveDates:
        return effective_dates(
            self.dates, self.overrides, student_id=student_id, section_ids=section_ids
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CoursePolicy:
    tenant_id: str
    course_id: UUID
    policy: LatePolicy
    version: int
    updated_at: datetime
