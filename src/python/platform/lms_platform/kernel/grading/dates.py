"""Which dates apply to one student: the assignment's, a section's override or the student's own.

Each of ``unlock_at``, ``due_at`` and ``lock_at`` is decided on its own:

1. an override of the student's own that sets the field wins;
2. else the overrides of the student's sections that set it; with several, the most lenient
   wins, as in Canvas: the latest ``due_at`` and ``lock_at``, the earliest ``unlock_at``, and a
   cleared date (``None``: no due date, never locks, open at once) is the most lenient of all;
3. else the assignment's own.

An override sets only the fields it names (``fields``); the others fall through to the next
level. The result always keeps ``unlock_at <= due_at <= lock_at``: when a student's extension
moves ``due_at`` past a lock inherited from elsewhere, the window widens to fit, since an
extension that the lock then cut off would be no extension at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from uuid import UUID

from lms_platform.kernel.errors import InvalidInput

DATE_FIELDS = ("unlock_at", "due_at", "lock_at")


def _aware(value: datetime | None, name: str) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentDates:
    """The assignment's own dates; each may be empty."""

    unlock_at: datetime | None = None
    due_at: datetime | None = None
    lock_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in DATE_FIELDS:
            _aware(getattr(self, name), name)

    def check_order(self, *, where: str = "") -> None:
        """``InvalidInput`` unless ``unlock_at <= due_at <= lock_at`` (empty dates aside)."""
        present = [(name, getattr(self, name)) for name in DATE_FIELDS]
        present = [(name, value) for name, value in present if value is not None]
        for (earlier, first), (later, second) in pairwise(present):
            if first > second:
                raise InvalidInput(f"{where}{earlier} must not be after {later}", field=later)


class OverrideTarget(StrEnum):
    SECTION = "section"
    STUDENT = "student"


class DateSource(StrEnum):
    ASSIGNMENT = "assignment"
    SECTION = "section"
    STUDENT = "student"


@dataclass(frozen=True, slots=True, kw_only=True)
class DateOverride:
    """Dates for one section or one student. ``fields`` names the dates this override sets
    (a ``None`` there clears the date for its target); the others are inherited."""

    target: OverrideTarget
    target_id: UUID
    unlock_at: datetime | None = None
    due_at: datetime | None = None
    lock_at: datetime | None = None
    fields: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        unknown = self.fields - set(DATE_FIELDS)
        if unknown:
            raise ValueError(f"not date fields: {sorted(unknown)}")
        for name in DATE_FIELDS:
            _aware(getattr(self, name), name)
            if name not in self.fields and getattr(self, name) is not None:
                raise ValueError(f"{name} has a value but is not among the overridden fields")

    def applies_to(self, student_id: UUID | None, section_ids: frozenset[UUID]) -> bool:
        if self.target is OverrideTarget.STUDENT:
            return student_id is not None and self.target_id == student_id
        return self.target_id in section_ids

    def dates_over(self, base: AssignmentDates) -> AssignmentDates:
        """This override's dates with the unset ones taken from ``base`` (for validation)."""
        values = {
            name: getattr(self, name) if name in self.fields else getattr(base, name)
            for name in DATE_FIELDS
        }
        return AssignmentDates(**values)


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectiveDates:
    """The dates that apply to one student, and where each came from."""

    unlock_at: datetime | None
    due_at: datetime | None
    lock_at: datetime | None
    unlock_source: DateSource = DateSource.ASSIGNMENT
    due_source: DateSource = DateSource.ASSIGNMENT
    lock_source: DateSource = DateSource.ASSIGNMENT

    @classmethod
    def of(cls, dates: AssignmentDates) -> EffectiveDates:
        """The assignment's dates, for a caller no override applies to."""
        return cls(unlock_at=dates.unlock_at, due_at=dates.due_at, lock_at=dates.lock_at)

    def is_unlocked(self, at: datetime) -> bool:
        return self.unlock_at is None or at >= self.unlock_at


# Most lenient first: None (no such date) beats any date.
def _latest(values: list[datetime | None]) -> datetime | None:
    return None if any(v is None for v in values) else max(v for v in values if v is not None)


def _earliest(values: list[datetime | None]) -> datetime | None:
    return None if any(v is None for v in values) else min(v for v in values if v is not None)


_MOST_LENIENT = {"unlock_at": _earliest, "due_at": _latest, "lock_at": _latest}


def effective_dates(
    assignment: AssignmentDates,
    overrides: Iterable[DateOverride],
    *,
    student_id: UUID | None,
    section_ids: Iterable[UUID],
) -> EffectiveDates:
    """The dates for ``student_id`` in ``section_ids`` (the sections where they are an active
    student). The order of ``overrides`` does not matter."""
    sections = frozenset(section_ids)
    applicable = [o for o in overrides if o.applies_to(student_id, sections)]
    own = [o for o in applicable if o.target is OverrideTarget.STUDENT]
    of_sections = [o for o in applicable if o.target is OverrideTarget.SECTION]
    chosen: dict[str, datetime | None] = {}
    sources: dict[str, DateSource] = {}
    for name in DATE_FIELDS:
        # Several student overrides for one student do not exist in practice (one per target);
        # should they, the most lenient wins here as well.
        for level, source in ((own, DateSource.STUDENT), (of_sections, DateSource.SECTION)):
            setting = [getattr(o, name) for o in level if name in o.fields]
            if setting:
                chosen[name] = _MOST_LENIENT[name](setting)
                sources[name] = source
                break
        else:
            chosen[name] = getattr(assignment, name)
            sources[name] = DateSource.ASSIGNMENT
    unlock_at, due_at, lock_at = chosen["unlock_at"], chosen["due_at"], chosen["lock_at"]
    # Widen the window around due_at rather than let dates from two levels cross.
    if due_at is not None:
        if lock_at is not None and lock_at < due_at:
            lock_at, sources["lock_at"] = due_at, sources["due_at"]
        if unlock_at is not None and unlock_at > due_at:
            unlock_at, sources["unlock_at"] = due_at, sources["due_at"]
    elif unlock_at is not None and lock_at is not None and lock_at < unlock_at:
        lock_at, sources["lock_at"] = unlock_at, sources["unlock_at"]
    return EffectiveDates(
        unlock_at=unlock_at,
        due_at=due_at,
        lock_at=lock_at,
        unlock_source=sources["unlock_at"],
        due_source=sources["due_at"],
        lock_source=sources["lock_at"],
    )
