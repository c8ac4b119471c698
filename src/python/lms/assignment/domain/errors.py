"""Rules of the domain that a request can break, each a kernel error kind (and so one status)."""

from __future__ import annotations

from lms_platform.kernel.errors import Conflict, NotFound


class AssignmentLocked(Conflict):
    """The course is archived: its assignments no longer change."""

    code = "assignment_locked"


class CourseArchived(Conflict):
    """No new assignments in an archived course."""

    code = "course_archived"


class DuplicateOverride(Conflict):
    """One override per section and per student: change the existing one instead."""

    code = "duplicate_override"


class UnknownOverride(NotFound):
    code = "override_not_found"
