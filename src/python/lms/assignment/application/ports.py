"""Ports: what the assignment use cases need from the outside world, as Protocols the adapters
implement. Each use case depends only on the ports it uses. Memberships come from the
platform's read model (``lms_platform.kernel.membership.MembershipReader``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

from lms.assignment.domain.assignments import Assignment, AssignmentStatus
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.grading import EffectiveDates
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest

StaffSort = Literal["due_at", "-due_at", "created_at", "-created_at"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseListing:
    """A course's assignments as its staff list them; dates are the assignment's own."""

    tenant_id: str
    course_id: UUID
    section_id: UUID | None = None  # assigned to this section (or to the whole course)
    status: AssignmentStatus | None = None
    due_after: datetime | None = None  # due_at >= due_after
    due_before: datetime | None = None  # due_at < due_before
    sort: StaffSort = "due_at"


class AssignmentRepository(Protocol):
    """Aggregates loaded for a change, in the unit of work's transaction."""

    async def get(self, tenant_id: str, assignment_id: UUID) -> Assignment | None: ...

    async def add(self, assignment: Assignment) -> None: ...

    async def save(self, assignment: Assignment) -> None: ...

    async def live_in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Assignment]: ...


class LatePolicyRepository(Protocol):
    async def get(self, tenant_id: str, course_id: UUID) -> CourseLatePolicy | None: ...

    async def save(self, policy: CourseLatePolicy) -> None:
        """Insert (version 1) or update (a newer version) the course's policy."""
        ...


class KnownCourseRepository(Protocol):
    async def apply(self, course: KnownCourse) -> bool:
        """Store ``course`` unless a version at least as new is stored; True if stored."""
        ...


class AssignmentUnitOfWork(Protocol):
    """One transaction: the repositories' writes and the recorded events commit together."""

    @property
    def assignments(self) -> AssignmentRepository: ...

    @property
    def late_policies(self) -> LatePolicyRepository: ...

    @property
    def courses(self) -> KnownCourseRepository: ...

    def record(self, event: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class AssignmentReader(Protocol):
    """Reads outside any unit of work (no transaction held), each in a short session."""

    async def get(self, tenant_id: str, assignment_id: UUID) -> Assignment | None: ...

    async def page_of_course(
        self, listing: CourseListing, page: CursorPageRequest
    ) -> CursorPage[Assignment]: ...

    async def published_for_student(
        self,
        tenant_id: str,
        course_ids: Collection[UUID],
        section_ids: Collection[UUID],
        student_id: UUID,
    ) -> Sequence[Assignment]:
        """Published, live assignments of ``course_ids`` assigned to one of ``section_ids`` or
        to the whole course, each with the overrides of this student and these sections only."""
        ...

    async def revision(self, tenant_id: str, course_ids: Collection[UUID]) -> tuple[int, int]:
        """(count, sum of versions) of every assignment of ``course_ids``, deleted ones
        included: any change to any of them (an override too) makes it grow."""
        ...

    async def many(self, tenant_id: str, assignment_ids: Collection[UUID]) -> Sequence[Assignment]:
        """These assignments (without their overrides), in no particular order."""
        ...

    async def late_policy(self, tenant_id: str, course_id: UUID) -> CourseLatePolicy | None: ...

    async def course(self, tenant_id: str, course_id: UUID) -> KnownCourse | None: ...


@dataclass(frozen=True, slots=True)
class DueEntry:
    """One line of a student's list: which assignment, and the dates that apply to them."""

    assignment_id: UUID
    course_id: UUID
    created_at: datetime
    dates: EffectiveDates
    details_hidden: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DueList:
    """A student's computed list and what it was computed from. It may be reused while the
    assignments' ``revision`` and the student's ``sections`` are unchanged, from
    ``computed_at`` until ``valid_until`` (the next unlock among them: what they see changes
    with the clock alone then)."""

    revision: tuple[int, int]
    sections: frozenset[UUID]
    computed_at: datetime
    valid_until: datetime | None
    entries: tuple[DueEntry, ...]

    def holds(self, revision: tuple[int, int], sections: frozenset[UUID], now: datetime) -> bool:
        return (
            self.revision == revision
            and self.sections == sections
            and self.computed_at <= now
            and (self.valid_until is None or now < self.valid_until)
        )


class DueListCache(Protocol):
    """One computed list per student. The use case checks ``DueList.holds`` before using an
    entry, so a cache that returns an old entry costs a recomputation, never a stale answer."""

    async def get(self, tenant_id: str, student_id: UUID) -> DueList | None: ...

    async def put(self, tenant_id: str, student_id: UUID, due_list: DueList) -> None: ...
