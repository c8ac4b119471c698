"""Request and response bodies of the assignment API. Unknown fields are refused, and every
bound the domain enforces on one field is declared here too, so the OpenAPI says it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from lms.assignment.application.views import AssignmentView
from lms.assignment.domain import assignments as rules
from lms.assignment.domain.assignments import (
    AssignmentContent,
    AssignmentStatus,
    FileRules,
    GradePosting,
    SubmissionType,
)
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.grading import (
    DATE_FIELDS,
    AssignmentDates,
    EffectiveDates,
    GradingType,
    LateInterval,
    LatePolicy,
)

Instant = Annotated[datetime, msgspec.Meta(tz=True, description="RFC 3339 with an offset")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.MAX_TITLE)]
Description = Annotated[str, msgspec.Meta(max_length=rules.MAX_DESCRIPTION)]
Points = Annotated[float, msgspec.Meta(ge=0, le=float(rules.MAX_POINTS))]
Attempts = Annotated[
    int, msgspec.Meta(ge=-1, le=rules.MAX_ATTEMPTS, description="-1: unlimited; 0 is refused")
]
Extension = Annotated[str, msgspec.Meta(pattern=r"^\.?[A-Za-z0-9]{1,10}$")]
FileSize = Annotated[int, msgspec.Meta(ge=1, le=rules.MAX_FILE_BYTES)]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100)]
SectionIds = Annotated[list[UUID], msgspec.Meta(max_length=rules.MAX_SECTIONS)]
SubmissionTypes = Annotated[
    list[Literal["file", "text", "url", "none"]], msgspec.Meta(min_length=1, max_length=4)
]
Status = Literal["draft", "published"]
GradingTypeName = Literal[
    "points", "percent", "letter_grade", "gpa_scale", "pass_fail", "not_graded"
]
GradePostingName = Literal["automatic", "manual"]


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value))


class FileRulesBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    allowed_extensions: Annotated[
        list[Extension], msgspec.Meta(max_length=rules.MAX_EXTENSIONS)
    ] = msgspec.field(default_factory=list)
    max_file_bytes: FileSize | None = None
    multiple_files: bool = False

    def to_domain(self) -> FileRules:
        return FileRules(
            allowed_extensions=tuple(self.allowed_extensions),
            max_file_bytes=self.max_file_bytes,
            multiple_files=self.multiple_files,
        )


class _ContentFields(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Every editable field; omitted ones take these defaults (PUT replaces them all)."""

    title: Title
    description: Description = ""
    section_ids: SectionIds = msgspec.field(default_factory=list)
    unlock_at: Instant | None = None
    due_at: Instant | None = None
    lock_at: Instant | None = None
    points_possible: Points = 0
    grading_type: GradingTypeName = "points"
    submission_types: SubmissionTypes = msgspec.field(default_factory=lambda: ["file"])
    file_rules: FileRulesBody | None = None
    allowed_attempts: Attempts = -1
    anonymous_grading: bool = False
    grade_posting: GradePostingName = "automatic"
    announce_before_unlock: bool = False

    def to_domain(self) -> AssignmentContent:
        return AssignmentContent(
            title=self.title,
            description=self.description,
            section_ids=tuple(self.section_ids),
            dates=AssignmentDates(
                unlock_at=self.unlock_at, due_at=self.due_at, lock_at=self.lock_at
            ),
            points_possible=_decimal(self.points_possible),
            grading_type=GradingType(self.grading_type),
            submission_types=tuple(SubmissionType(t) for t in self.submission_types),
            file_rules=self.file_rules.to_domain() if self.file_rules else FileRules(),
            allowed_attempts=self.allowed_attempts,
            anonymous_grading=self.anonymous_grading,
            grade_posting=GradePosting(self.grade_posting),
            announce_before_unlock=self.announce_before_unlock,
        )


class CreateAssignmentRequest(_ContentFields, forbid_unknown_fields=True, kw_only=True):
    course_id: UUID
    status: Status = "draft"


class ReplaceAssignmentRequest(_ContentFields, forbid_unknown_fields=True, kw_only=True):
    """PUT: every editable field (omitted ones get their defaults); ``status`` unchanged when
    omitted."""

    status: Status | None = None


class PatchAssignmentRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """PATCH: only the fields sent change; ``null`` clears a date or the file rules."""

    title: Title | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    section_ids: SectionIds | UnsetType = UNSET
    unlock_at: Instant | None | UnsetType = UNSET
    due_at: Instant | None | UnsetType = UNSET
    lock_at: Instant | None | UnsetType = UNSET
    points_possible: Points | UnsetType = UNSET
    grading_type: GradingTypeName | UnsetType = UNSET
    submission_types: SubmissionTypes | UnsetType = UNSET
    file_rules: FileRulesBody | None | UnsetType = UNSET
    allowed_attempts: Attempts | UnsetType = UNSET
    anonymous_grading: bool | UnsetType = UNSET
    grade_posting: GradePostingName | UnsetType = UNSET
    announce_before_unlock: bool | UnsetType = UNSET
    status: Status | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        """The sent content fields, as the domain's values (``status`` apart)."""
        converters: dict[str, Any] = {
            "section_ids": tuple,
            "points_possible": _decimal,
            "grading_type": GradingType,
            "submission_types": lambda v: tuple(SubmissionType(t) for t in v),
            "file_rules": lambda v: v.to_domain() if v is not None else FileRules(),
            "grade_posting": GradePosting,
        }
        sent = {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if name != "status" and getattr(self, name) is not UNSET
        }
        return {name: converters.get(name, _same)(value) for name, value in sent.items()}

    def new_status(self) -> AssignmentStatus | None:
        return AssignmentStatus(self.status) if isinstance(self.status, str) else None


def _same(value: Any) -> Any:
    return value


class FileRulesResponse(msgspec.Struct, kw_only=True):
    allowed_extensions: list[str]
    max_file_bytes: int | None
    multiple_files: bool


class DateSources(msgspec.Struct, kw_only=True):
    """Where each date came from: the assignment, the caller's section or their own override."""

    unlock_at: Literal["assignment", "section", "student"]
    due_at: Literal["assignment", "section", "student"]
    lock_at: Literal["assignment", "section", "student"]

    @classmethod
    def of(cls, dates: EffectiveDates) -> DateSources:
        return cls(
            unlock_at=dates.unlock_source.value,
            due_at=dates.due_source.value,
            lock_at=dates.lock_source.value,
        )


class AssignmentResponse(msgspec.Struct, kw_only=True):
    """An assignment as the caller sees it: a student gets the dates that apply to them
    (``date_sources`` says why), and, while ``details_hidden``, no description or file rules."""

    id: UUID
    course_id: UUID
    section_ids: list[UUID]
    title: str
    description: str | None
    status: Status
    unlock_at: datetime | None
    due_at: datetime | None
    lock_at: datetime | None
    date_sources: DateSources
    points_possible: float
    grading_type: GradingTypeName
    submission_types: list[str]
    file_rules: FileRulesResponse | None
    allowed_attempts: int
    anonymous_grading: bool
    grade_posting: GradePostingName
    announce_before_unlock: bool
    locked: bool
    details_hidden: bool
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    version: int

    @classmethod
    def from_view(cls, view: AssignmentView) -> AssignmentResponse:
        assignment, content, dates = view.assignment, view.assignment.content, view.dates
        hidden = view.details_hidden
        rules_ = content.file_rules
        return cls(
            id=assignment.id,
            course_id=assignment.course_id,
            section_ids=list(content.section_ids),
            title=content.title,
            description=None if hidden else content.description,
            status=assignment.status.value,
            unlock_at=dates.unlock_at,
            due_at=dates.due_at,
            lock_at=dates.lock_at,
            date_sources=DateSources.of(dates),
            points_possible=float(content.points_possible),
            grading_type=content.grading_type.value,
            submission_types=[t.value for t in content.submission_types],
            file_rules=(
                None
                if hidden
                else FileRulesResponse(
                    allowed_extensions=list(rules_.allowed_extensions),
                    max_file_bytes=rules_.max_file_bytes,
                    multiple_files=rules_.multiple_files,
                )
            ),
            allowed_attempts=content.allowed_attempts,
            anonymous_grading=content.anonymous_grading,
            grade_posting=content.grade_posting.value,
            announce_before_unlock=content.announce_before_unlock,
            locked=assignment.locked,
            details_hidden=hidden,
            created_at=assignment.created_at,
            updated_at=assignment.updated_at,
            published_at=assignment.published_at,
            version=assignment.version,
        )


# --- overrides --------------------------------------------------------------------------------


class OverrideDates(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The dates an override sets: an omitted date is inherited, ``null`` clears it for the
    override's target (no due date, never locks, open at once). At least one is required."""

    unlock_at: Instant | None | UnsetType = UNSET
    due_at: Instant | None | UnsetType = UNSET
    lock_at: Instant | None | UnsetType = UNSET

    def dates(self) -> dict[str, datetime | None]:
        return {n: v for n in DATE_FIELDS if (v := getattr(self, n)) is not UNSET}


class CreateOverrideRequest(OverrideDates, forbid_unknown_fields=True, kw_only=True):
    target: Literal["section", "student"]
    target_id: Annotated[UUID, msgspec.Meta(description="the section's or the student's id")]


class OverrideResponse(msgspec.Struct, kw_only=True):
    id: UUID
    assignment_id: UUID
    target: Literal["section", "student"]
    target_id: UUID
    overridden: list[str]
    unlock_at: datetime | None
    due_at: datetime | None
    lock_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, assignment_id: UUID, override: Override) -> OverrideResponse:
        rule = override.rule
        return cls(
            id=override.id,
            assignment_id=assignment_id,
            target=rule.target.value,
            target_id=rule.target_id,
            overridden=sorted(rule.fields),
            unlock_at=rule.unlock_at,
            due_at=rule.due_at,
            lock_at=rule.lock_at,
            created_at=override.created_at,
            updated_at=override.updated_at,
        )


class OverrideList(msgspec.Struct, kw_only=True):
    items: list[OverrideResponse]


# --- late policy ------------------------------------------------------------------------------


class LatePolicyBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A course's late policy (Canvas's fields); every part is off unless enabled. Percentages
    have at most two decimals."""

    late_deduction_enabled: bool = False
    late_deduction_percent: Percent = 0
    late_interval: Literal["hour", "day"] = "day"
    minimum_percent_enabled: bool = False
    minimum_percent: Percent = 0
    missing_deduction_enabled: bool = False
    missing_deduction_percent: Percent = 100

    def to_domain(self) -> LatePolicy:
        return LatePolicy(
            late_deduction_enabled=self.late_deduction_enabled,
            late_deduction_percent=_decimal(self.late_deduction_percent),
            late_interval=LateInterval(self.late_interval),
            minimum_percent_enabled=self.minimum_percent_enabled,
            minimum_percent=_decimal(self.minimum_percent),
            missing_deduction_enabled=self.missing_deduction_enabled,
            missing_deduction_percent=_decimal(self.missing_deduction_percent),
        )

    @classmethod
    def from_domain(cls, policy: LatePolicy) -> LatePolicyBody:
        return cls(
            late_deduction_enabled=policy.late_deduction_enabled,
            late_deduction_percent=float(policy.late_deduction_percent),
            late_interval=policy.late_interval.value,
            minimum_percent_enabled=policy.minimum_percent_enabled,
            minimum_percent=float(policy.minimum_percent),
            missing_deduction_enabled=policy.missing_deduction_enabled,
            missing_deduction_percent=float(policy.missing_deduction_percent),
        )


class LatePolicyResponse(msgspec.Struct, kw_only=True):
    course_id: UUID
    policy: LatePolicyBody
    version: int  # 0: the course has no policy yet (nothing is deducted)
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def from_domain(cls, course_policy: CourseLatePolicy) -> LatePolicyResponse:
        stored = course_policy.version > 0
        return cls(
            course_id=course_policy.course_id,
            policy=LatePolicyBody.from_domain(course_policy.policy),
            version=course_policy.version,
            updated_at=course_policy.updated_at if stored else None,
            updated_by=course_policy.updated_by if stored else None,
        )
