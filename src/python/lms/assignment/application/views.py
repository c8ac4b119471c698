"""An assignment as one caller sees it: staff see it whole with its own dates; a student sees
it with the dates that apply to them, or not at all (``domain.visibility``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.assignment.application.access import CourseStanding
from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.visibility import student_view
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.grading import EffectiveDates


@dataclass(frozen=True, slots=True)
class AssignmentView:
    assignment: Assignment
    dates: EffectiveDates
    details_hidden: bool
    as_staff: bool
    student_id: UUID | None = None  # whose dates, when seen as a student


def view_for(
    standing: CourseStanding, assignment: Assignment, now: datetime
) -> AssignmentView | None:
    if assignment.is_deleted:
        return None
    if standing.is_staff and standing.may_read:
        return AssignmentView(assignment, EffectiveDates.of(assignment.content.dates), False, True)
    student = standing.student_id
    if student is None or not standing.may_read:
        return None
    seen = student_view(assignment, student, standing.student_sections, now)
    if seen is None:
        return None
    return AssignmentView(assignment, seen.dates, seen.details_hidden, False, student)


def visible_or_404(
    standing: CourseStanding, assignment: Assignment | None, now: datetime
) -> AssignmentView:
    view = view_for(standing, assignment, now) if assignment is not None else None
    if view is None:
        raise NotFound("assignment not found")
    return view


def ensure_may_change(
    standing: CourseStanding, assignment: Assignment, permission: str, now: datetime
) -> None:
    """Staff with ``permission`` may change it; a student who can see it gets 403; anyone who
    cannot see it gets 404 (its existence is not revealed)."""
    try:
        standing.ensure_staff_with(permission)
    except PermissionDenied:
        visible_or_404(standing, assignment, now)
        raise
