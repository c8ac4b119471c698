"""Who is in which section, with which role: the read model every service keeps from the course
service's ``enrollment.*`` events (``lms_platform.membership`` builds it), as pure types and a
port that application layers use to decide access."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class SectionRole(StrEnum):
    STUDENT = "student"
    TEACHING_ASSISTANT = "teaching_assistant"
    INSTRUCTOR = "instructor"
    DESIGNER = "designer"
    OBSERVER = "observer"


class EnrollmentState(StrEnum):
    INVITED = "invited"
    WAITLISTED = "waitlisted"
    ACTIVE = "active"
    COMPLETED = "completed"
    DROPPED = "dropped"


# Staff of a section see its roster and manage its work; a designer builds content.
STAFF_ROLES = frozenset(
    {SectionRole.INSTRUCTOR, SectionRole.TEACHING_ASSISTANT, SectionRole.DESIGNER}
)
# Graders: staff who may see and grade students' work.
GRADER_ROLES = frozenset({SectionRole.INSTRUCTOR, SectionRole.TEACHING_ASSISTANT})


@dataclass(frozen=True, slots=True)
class Membership:
    """One live enrollment (deleted enrollments are not memberships)."""

    tenant_id: str
    user_id: UUID
    section_id: UUID
    course_id: UUID
    role: SectionRole
    state: EnrollmentState
    observed_user_id: UUID | None = None

    @property
    def is_active(self) -> bool:
        return self.state is EnrollmentState.ACTIVE

    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role in STAFF_ROLES

    @property
    def is_active_student(self) -> bool:
        return self.is_active and self.role is SectionRole.STUDENT


class MembershipReader(Protocol):
    """Live memberships of one college, from the service's own read model."""

    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]: ...

    async def in_section(self, tenant_id: str, section_id: UUID) -> Sequence[Membership]: ...

    async def in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Membership]: ...


def active_sections(memberships: Iterable[Membership], roles: Iterable[SectionRole]) -> set[UUID]:
    """Sections where the user is active in one of ``roles``."""
    wanted = frozenset(roles)
    return {m.section_id for m in memberships if m.is_active and m.role in wanted}


def staff_courses(memberships: Iterable[Membership]) -> set[UUID]:
    """Courses in whose sections the user is active staff (staff of one section of a course
    manage the course's work, as in Canvas)."""
    return {m.course_id for m in memberships if m.is_staff}


def observed_students(memberships: Iterable[Membership], section_id: UUID) -> set[UUID]:
    """Students an observer follows in ``section_id``."""
    return {
        m.observed_user_id
        for m in memberships
        if m.section_id == section_id
        and m.role is SectionRole.OBSERVER
        and m.is_active
        and m.observed_user_id is not None
    }
