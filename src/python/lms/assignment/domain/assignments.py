"""The assignment aggregate: what is asked, by when, how it is submitted and graded, and the
date overrides of its sections and students (Canvas's assignment and override fields)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from lms.assignment.domain.dates import check_dates
from lms.assignment.domain.errors import AssignmentLocked, DuplicateOverride, UnknownOverride
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import DATE_FIELDS, AssignmentDates, GradingType

MAX_TITLE = 255
MAX_DESCRIPTION = 65_536
MAX_POINTS = Decimal(100_000)
MAX_ATTEMPTS = 100
UNLIMITED_ATTEMPTS = -1
MAX_SECTIONS = 100
MAX_EXTENSIONS = 50
MAX_FILE_BYTES = 5 * 1024**3
MAX_OVERRIDES = 500
_EXTENSION = re.compile(r"^[a-z0-9]{1,10}$")
_CENT = Decimal("0.01")


class AssignmentStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class SubmissionType(StrEnum):
    FILE = "file"
    TEXT = "text"
    URL = "url"
    NONE = "none"  # on paper, or nothing to hand in


class GradePosting(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


@dataclass(frozen=True, slots=True, kw_only=True)
class FileRules:
    """For file submissions: allowed extensions (empty: any), a size limit per file (None: the
    platform's upload limit) and whether several files may be handed in at once."""

    allowed_extensions: tuple[str, ...] = ()
    max_file_bytes: int | None = None
    multiple_files: bool = False

    @property
    def is_default(self) -> bool:
        return self == FileRules()


def _printable(value: str, name: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise InvalidInput(f"{name} contains a NUL character", field=name)
    return value


def _title(value: str) -> str:
    value = _printable(value, "title").strip()
    if not 1 <= len(value) <= MAX_TITLE:
        raise InvalidInput(f"title must have 1 to {MAX_TITLE} characters", field="title")
    return value


def _description(value: str) -> str:
    if len(_printable(value, "description")) > MAX_DESCRIPTION:
        raise InvalidInput(f"description is longer than {MAX_DESCRIPTION}", field="description")
    return value


def _points(value: Decimal) -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value <= MAX_POINTS:
        raise InvalidInput(
            f"points_possible must be between 0 and {MAX_POINTS}", field="points_possible"
        )
    if value != value.quantize(_CENT):
        raise InvalidInput("points_possible has at most two decimals", field="points_possible")
    return value.quantize(_CENT)


def _attempts(value: int) -> int:
    if value != UNLIMITED_ATTEMPTS and not 1 <= value <= MAX_ATTEMPTS:
        raise InvalidInput(
            f"allowed_attempts is -1 (unlimited) or 1 to {MAX_ATTEMPTS}", field="allowed_attempts"
        )
    return value


def _submission_types(values: tuple[SubmissionType, ...]) -> tuple[SubmissionType, ...]:
    kinds = tuple(sorted(set(values)))
    if not kinds:
        raise InvalidInput("submission_types needs at least one type", field="submission_types")
    if SubmissionType.NONE in kinds and len(kinds) > 1:
        raise InvalidInput("'none' cannot be combined with other types", field="submission_types")
    return kinds


def _file_rules(rules: FileRules, kinds: tuple[SubmissionType, ...]) -> FileRules:
    if SubmissionType.FILE not in kinds:
        if not rules.is_default:
            raise InvalidInput("file rules need the 'file' submission type", field="file_rules")
        return rules
    extensions = tuple(sorted({e.strip().lower().lstrip(".") for e in rules.allowed_extensions}))
    if len(extensions) > MAX_EXTENSIONS or not all(_EXTENSION.match(e) for e in extensions):
        raise InvalidInput(
            f"allowed_extensions: up to {MAX_EXTENSIONS} of letters and digits, like 'pdf'",
            field="allowed_extensions",
        )
    size = rules.max_file_bytes
    if size is not None and not 1 <= size <= MAX_FILE_BYTES:
        raise InvalidInput(f"max_file_bytes must be 1 to {MAX_FILE_BYTES}", field="max_file_bytes")
    return replace(rules, allowed_extensions=extensions)


def _sections(values: tuple[UUID, ...]) -> tuple[UUID, ...]:
    unique = tuple(sorted(set(values)))
    if len(unique) > MAX_SECTIONS:
        raise InvalidInput(f"at most {MAX_SECTIONS} sections", field="section_ids")
    return unique


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentContent:
    """Every field a teacher edits (PUT replaces all of them, PATCH some)."""

    title: str
    description: str = ""
    section_ids: tuple[UUID, ...] = ()  # empty: every section of the course
    dates: AssignmentDates = AssignmentDates()  # noqa: RUF009 - frozen value
    points_possible: Decimal = Decimal(0)
    grading_type: GradingType = GradingType.POINTS
    submission_types: tuple[SubmissionType, ...] = (SubmissionType.FILE,)
    file_rules: FileRules = FileRules()  # noqa: RUF009 - frozen value
    allowed_attempts: int = UNLIMITED_ATTEMPTS
    anonymous_grading: bool = False
    grade_posting: GradePosting = GradePosting.AUTOMATIC
    # Students see an assignment only once it unlocks for them; announced ones are listed
    # before that, with their details (description, file rules) hidden until unlock.
    announce_before_unlock: bool = False

    def validated(self) -> AssignmentContent:
        kinds = _submission_types(self.submission_types)
        return replace(
            self,
            title=_title(self.title),
            description=_description(self.description),
            section_ids=_sections(self.section_ids),
            dates=check_dates(self.dates),
            points_possible=_points(self.points_possible),
            submission_types=kinds,
            file_rules=_file_rules(self.file_rules, kinds),
            allowed_attempts=_attempts(self.allowed_attempts),
        )

    def changed_fields(self, other: AssignmentContent) -> list[str]:
        names = [n for n in self.__dataclass_fields__ if n != "dates"]
        changed = [n for n in names if getattr(self, n) != getattr(other, n)]
        changed += [n for n in DATE_FIELDS if getattr(self.dates, n) != getattr(other.dates, n)]
        return sorted(changed)

    @property
    def expects_submission(self) -> bool:
        return SubmissionType.NONE not in self.submission_types


CONTENT_FIELDS = frozenset(AssignmentContent.__dataclass_fields__) - {"dates"} | set(DATE_FIELDS)


def content_with(content: AssignmentContent, changes: dict[str, Any]) -> AssignmentContent:
    """``content`` with some fields replaced (PATCH); date fields go into ``dates``."""
    unknown = sorted(set(changes) - CONTENT_FIELDS)
    if unknown:
        raise InvalidInput(f"not assignment fields: {', '.join(unknown)}")
    dates = {n: changes.pop(n) for n in DATE_FIELDS if n in changes}
    return replace(content, **changes, dates=replace(content.dates, **dates))


@dataclass(slots=True, kw_only=True)
class Assignment:
    id: UUID
    tenant_id: str
    course_id: UUID
    content: AssignmentContent
    status: AssignmentStatus
    created_by: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None
    # Set when the course is archived: the assignment is read-only from then on.
    locked: bool = False
    deleted_at: datetime | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        tenant_id: str,
        course_id: UUID,
        content: AssignmentContent,
        publish: bool,
        created_by: str,
        now: datetime,
    ) -> Assignment:
        status = AssignmentStatus.PUBLISHED if publish else AssignmentStatus.DRAFT
        return cls(
            id=id,
            tenant_id=tenant_id,
            course_id=course_id,
            content=content.validated(),
            status=status,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            published_at=now if publish else None,
        )

    @property
    def is_published(self) -> bool:
        return self.status is AssignmentStatus.PUBLISHED

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def _ensure_writable(self) -> None:
        if self.locked:
            raise AssignmentLocked("the course is archived; its assignments are read-only")

    def edit(self, content: AssignmentContent, now: datetime) -> list[str]:
        """Replace the content; returns the fields that changed. Overrides must still fit."""
        self._ensure_writable()
        validated = content.validated()
        changed = validated.changed_fields(self.content)
        if not changed:
            return []
        for override in self.overrides:
            override.check_against(validated.dates)
        self.content = validated
        self._touch(now)
        return changed

    def change_status(self, status: AssignmentStatus, now: datetime) -> bool:
        self._ensure_writable()
        if status is self.status:
            return False
        self.status = status
        if status is AssignmentStatus.PUBLISHED and self.published_at is None:
            self.published_at = now
        self._touch(now)
        return True

    def delete(self, now: datetime) -> None:
        self._ensure_writable()
        self.deleted_at = now
        self._touch(now)

    def lock(self, now: datetime) -> bool:
        """The course was archived. Idempotent: False when already locked."""
        if self.locked or self.is_deleted:
            return False
        self.locked = True
        self._touch(now)
        return True

    # --- overrides ---------------------------------------------------------------------------

    def add_override(self, override: Override, now: datetime) -> None:
        self._ensure_writable()
        if any(
            o.target == override.target and o.target_id == override.target_id
            for o in self.overrides
        ):
            raise DuplicateOverride(
                f"this assignment has an override for that {override.target} already"
            )
        if len(self.overrides) >= MAX_OVERRIDES:
            raise InvalidInput(f"an assignment has at most {MAX_OVERRIDES} overrides")
        override.check_against(self.content.dates)
        self.overrides = (*self.overrides, override)
        self._touch(now)

    def replace_override(
        self, override_id: UUID, dates: Mapping[str, datetime | None], now: datetime
    ) -> Override:
        """The override ``override_id`` sets ``dates`` from now on (and only those)."""
        self._ensure_writable()
        updated = self.override(override_id).with_dates(dates, now)
        updated.check_against(self.content.dates)
        self.overrides = tuple(updated if o.id == override_id else o for o in self.overrides)
        self._touch(now)
        return updated

    def remove_override(self, override_id: UUID, now: datetime) -> Override:
        self._ensure_writable()
        removed = self.override(override_id)
        self.overrides = tuple(o for o in self.overrides if o.id != override_id)
        self._touch(now)
        return removed

    def override(self, override_id: UUID) -> Override:
        for candidate in self.overrides:
            if candidate.id == override_id:
                return candidate
        raise UnknownOverride("override not found")

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
