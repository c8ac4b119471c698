"""This service's copy of the assignment service's assignments (``assignment.*`` events, the
highest ``version`` winning): their titles for the messages that name them, and each
student's effective ``due_at`` for the deadline reminders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lms_platform.kernel.grading import AssignmentDates, DateOverride, effective_dates

# Said instead of the title while this service has not seen the assignment yet.
UNKNOWN_ASSIGNMENT_TITLE = "your assignment"
# A deadline reminder goes this long before the student's effective due_at.
REMINDER_LEAD = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentCopy:
    college_id: str
    id: str
    course_id: str
    title: str
    section_ids: tuple[str, ...]
    published: bool
    deleted: bool
    due_at: datetime | None
    overrides: tuple[DateOverride, ...]
    version: int

    @property
    def open_for_reminders(self) -> bool:
        return self.published and not self.deleted

    def due_dates(self) -> list[datetime]:
        """Every due date some student may have: the assignment's and its overrides'."""
        dates = [self.due_at] + [o.due_at for o in self.overrides if "due_at" in o.fields]
        return sorted(d for d in dates if d is not None)

    def due_for(self, student_id: str, section_ids: Iterable[str]) -> datetime | None:
        """The student's effective due date: their own override, else their sections', else
        the assignment's (``lms_platform.kernel.grading.effective_dates``)."""
        return effective_dates(
            AssignmentDates(due_at=self.due_at),
            self.overrides,
            student_id=_uuid(student_id),
            section_ids=[s for s in (_uuid(x) for x in section_ids) if s is not None],
        ).due_at


def title_of(copy: AssignmentCopy | None) -> str:
    return copy.title if copy is not None and copy.title else UNKNOWN_ASSIGNMENT_TITLE


def reminder_time(due_at: datetime) -> datetime:
    return due_at - REMINDER_LEAD


def _uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None  # not an id the platform makes: no override can name it
