"""What a student sees of an assignment, and with which dates.

A student sees a published assignment of a section they are an active student in (an
assignment for no particular section is for every section of its course), once it has
unlocked for them. An assignment its teacher announced before unlock is listed earlier, with
its details (description and file rules) hidden until it unlocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.assignment.domain.assignments import Assignment
from lms_platform.kernel.grading import EffectiveDates, effective_dates


@dataclass(frozen=True, slots=True)
class StudentView:
    assignment: Assignment
    dates: EffectiveDates
    details_hidden: bool


def is_assigned_to(assignment: Assignment, section_ids: Iterable[UUID]) -> bool:
    sections = set(section_ids)
    if not sections:
        return False
    targets = assignment.content.section_ids
    return not targets or not sections.isdisjoint(targets)


def dates_for(
    assignment: Assignment, student_id: UUID | None, section_ids: Iterable[UUID]
) -> EffectiveDates:
    return effective_dates(
        assignment.content.dates,
        (o.rule for o in assignment.overrides),
        student_id=student_id,
        section_ids=section_ids,
    )


def student_view(
    assignment: Assignment, student_id: UUID, section_ids: Iterable[UUID], now: datetime
) -> StudentView | None:
    """The assignment as ``student_id`` (active student in ``section_ids`` of its course) sees
    it at ``now``, or None when they may not see it."""
    sections = frozenset(section_ids)
    if assignment.is_deleted or not assignment.is_published:
        return None
    if not is_assigned_to(assignment, sections):
        return None
    dates = dates_for(assignment, student_id, sections)
    if dates.is_unlocked(now):
        return StudentView(assignment, dates, details_hidden=False)
    if assignment.content.announce_before_unlock:
        return StudentView(assignment, dates, details_hidden=True)
    return None
