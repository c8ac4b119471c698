"""Terms, courses and batches, and the course status machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from lms.course.domain.errors import IllegalTransition, StillEnrolled
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import GradingScheme


class CourseStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CONCLUDED = "concluded"
    ARCHIVED = "archived"


# Every legal change; anything else is refused with the reason below.
TRANSITIONS: dict[CourseStatus, frozenset[CourseStatus]] = {
    CourseStatus.DRAFT: frozenset({CourseStatus.PUBLISHED, CourseStatus.ARCHIVED}),
    CourseStatus.PUBLISHED: frozenset({CourseStatus.CONCLUDED, CourseStatus.ARCHIVED}),
    CourseStatus.CONCLUDED: frozenset({CourseStatus.PUBLISHED, CourseStatus.ARCHIVED}),
    CourseStatus.ARCHIVED: frozenset(),
}

_WHY: dict[tuple[CourseStatus, CourseStatus], str] = {
    (CourseStatus.PUBLISHED, CourseStatus.DRAFT): "a published course cannot return to draft",
    (CourseStatus.CONCLUDED, CourseStatus.DRAFT): "a concluded course cannot return to draft",
    (CourseStatus.DRAFT, CourseStatus.CONCLUDED): "a draft course must be published first",
}


def check_dates(start: date | None, end: date | None, *, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput("the end date is before the start date", field=field)


@dataclass(slots=True, kw_only=True)
class Term:
    id: UUID
    tenant_id: str
    name: str
    start_date: date
    end_date: date
    created_at: datetime

    def __post_init__(self) -> None:
        check_dates(self.start_date, self.end_date)


@dataclass(slots=True, kw_only=True)
class Batch:
    """A cohort or intake; sections offer courses to a batch."""

    id: UUID
    tenant_id: str
    code: str
    name: str
    start_date: date | None
    end_date: date | None
    created_at: datetime

    def __post_init__(self) -> None:
        check_dates(self.start_date, self.end_date)


@dataclass(slots=True, kw_only=True)
class Course:
    id: UUID
    tenant_id: str
    code: str
    title: str
    description: str
    term_id: UUID | None
    start_date: date | None
    end_date: date | None
    status: CourseStatus
    owner_id: str  # who created it; may edit it like the staff of its sections
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    version: int = 1
    grading_scheme: GradingScheme | None = None  # None: the default scheme

    def __post_init__(self) -> None:
        check_dates(self.start_date, self.end_date)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_listed(self) -> bool:
        """Members of the college who are not enrolled see published and concluded courses."""
        return self.status in (CourseStatus.PUBLISHED, CourseStatus.CONCLUDED)

    def edit(self, changes: dict[str, object], now: datetime) -> list[str]:
        """Apply metadata changes (not the status); returns the fields that changed."""
        changed = [name for name, value in changes.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, changes[name])
        check_dates(self.start_date, self.end_date)
        if changed:
            self._touch(now)
        return changed

    def change_status(self, target: CourseStatus, now: datetime) -> bool:
        """False when already there; ``Conflict`` when the machine has no such edge."""
        if target is self.status:
            return False
        if target not in TRANSITIONS[self.status]:
            reason = _WHY.get((self.status, target)) or (
                "an archived course cannot change status"
                if self.status is CourseStatus.ARCHIVED
                else f"a {self.status} course cannot become {target}"
            )
            raise IllegalTransition(
                reason,
                extra={
                    "from": self.status.value,
                    "to": target.value,
                    "allowed": sorted(s.value for s in TRANSITIONS[self.status]),
                },
            )
        self.status = target
        self._touch(now)
        return True

    def delete(self, *, active_enrollments: int, now: datetime) -> None:
        if active_enrollments and self.status is not CourseStatus.ARCHIVED:
            raise StillEnrolled(
                f"the course has {active_enrollments} active enrollments; archive it first",
                extra={"active_enrollments": active_enrollments},
            )
        self.deleted_at = now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
