"""Sections: a course offered to a batch, with a capacity, a schedule and dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from lms.course.domain.courses import check_dates
from lms_platform.kernel.errors import InvalidInput

MAX_CAPACITY = 10_000


@dataclass(slots=True, kw_only=True)
class Section:
    id: UUID
    tenant_id: str
    course_id: UUID
    batch_id: UUID | None
    code: str
    name: str
    capacity: int | None  # seats for students; None: unlimited
    waitlist: bool  # when full, new students wait instead of being refused
    schedule: str
    start_date: date | None
    end_date: date | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    version: int = 1

    def __post_init__(self) -> None:
        check_capacity(self.capacity)
        check_dates(self.start_date, self.end_date)

    def edit(self, changes: dict[str, object], now: datetime) -> list[str]:
        changed = [name for name, value in changes.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, changes[name])
        check_capacity(self.capacity)
        check_dates(self.start_date, self.end_date)
        if changed:
            self.updated_at = now
            self.version += 1
        return changed

    def seats_left(self, taken: int) -> int | None:
        return None if self.capacity is None else max(self.capacity - taken, 0)


def check_capacity(capacity: int | None) -> None:
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(f"capacity must be between 0 and {MAX_CAPACITY}", field="capacity")
