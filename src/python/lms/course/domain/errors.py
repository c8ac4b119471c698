"""Rule violations of the course domain, as kernel error kinds with stable codes."""

from __future__ import annotations

from lms_platform.kernel.errors import Conflict


class IllegalTransition(Conflict):
    """A status or state change the machine has no edge for (409, writes nothing)."""

    code = "illegal_transition"


class SectionFull(Conflict):
    code = "section_full"


class StillEnrolled(Conflict):
    code = "active_enrollments"
