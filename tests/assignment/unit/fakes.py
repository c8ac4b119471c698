"""Small fakes of the ports, for the use cases' unit tests (the real adapters are tested
against PostgreSQL in tests/assignment/integration)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from lms.assignment.application.ports import CourseListing, DueList
from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms.assignment.domain.visibility import is_assigned_to
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest, page_in_memory


@dataclass
class Store:
    assignments: dict[UUID, Assignment] = field(default_factory=dict)
    policies: dict[UUID, CourseLatePolicy] = field(default_factory=dict)
    courses: dict[UUID, KnownCourse] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)


class FakeAssignments:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, tenant_id: str, assignment_id: UUID) -> Assignment | None:
        found = self._store.assignments.get(assignment_id)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    async def add(self, assignment: Assignment) -> None:
        self._store.assignments[assignment.id] = copy.deepcopy(assignment)

    async def save(self, assignment: Assignment) -> None:
        self._store.assignments[assignment.id] = copy.deepcopy(assignment)

    async def live_in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Assignment]:
        return [
            copy.deepcopy(a)
            for a in self._store.assignments.values()
            if a.tenant_id == tenant_id and a.course_id == course_id and not a.is_deleted
        ]


class FakePolicies:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def get(self, tenant_id: str, course_id: UUID) -> CourseLatePolicy | None:
        found = self._store.policies.get(course_id)
        return copy.deepcopy(found) if found and found.tenant_id == tenant_id else None

    async def save(self, policy: CourseLatePolicy) -> None:
        self._store.policies[policy.course_id] = copy.deepcopy(policy)


class FakeCourses:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def apply(self, course: KnownCourse) -> bool:
        if course.is_newer(self._store.courses.get(course.course_id)):
            self._store.courses[course.course_id] = course
            return True
        return False


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.assignments = FakeAssignments(store)
        self.late_policies = FakePolicies(store)
        self.courses = FakeCourses(store)
        self._pending: list[DomainEvent] = []
        self.commits = 0

    def record(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        self.store.events += self._pending
        self._pending = []
        self.commits += 1

    async def rollback(self) -> None:
        self._pending = []


class FakeReader:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.student_reads = 0

    async def revision(self, tenant_id: str, course_ids: Collection[UUID]) -> tuple[int, int]:
        rows = [
            a
            for a in self._store.assignments.values()
            if a.tenant_id == tenant_id and a.course_id in course_ids
        ]
        return len(rows), sum(a.version for a in rows)

    async def many(self, tenant_id: str, assignment_ids: Collection[UUID]) -> Sequence[Assignment]:
        return [
            copy.deepcopy(a)
            for a in self._store.assignments.values()
            if a.tenant_id == tenant_id and a.id in assignment_ids
        ]

    async def get(self, tenant_id: str, assignment_id: UUID) -> Assignment | None:
        return await FakeAssignments(self._store).get(tenant_id, assignment_id)

    async def page_of_course(
        self, listing: CourseListing, page: CursorPageRequest
    ) -> CursorPage[Assignment]:
        rows = [
            copy.deepcopy(a)
            for a in self._store.assignments.values()
            if a.tenant_id == listing.tenant_id and a.course_id == listing.course_id
            and not a.is_deleted
            and (listing.status is None or a.status is listing.status)
        ]  # fmt: skip
        rows.sort(key=lambda a: (a.created_at, a.id))
        return page_in_memory(rows, lambda a: (a.created_at, a.id), page)

    async def published_for_student(
        self,
        tenant_id: str,
        course_ids: Collection[UUID],
        section_ids: Collection[UUID],
        student_id: UUID,
    ) -> Sequence[Assignment]:
        self.student_reads += 1
        return [
            copy.deepcopy(a)
            for a in self._store.assignments.values()
            if a.tenant_id == tenant_id
            and a.course_id in course_ids
            and a.is_published
            and not a.is_deleted
            and is_assigned_to(a, section_ids)
        ]

    async def late_policy(self, tenant_id: str, course_id: UUID) -> CourseLatePolicy | None:
        return await FakePolicies(self._store).get(tenant_id, course_id)

    async def course(self, tenant_id: str, course_id: UUID) -> KnownCourse | None:
        found = self._store.courses.get(course_id)
        return found if found and found.tenant_id == tenant_id else None


class FakeMemberships:
    def __init__(self, memberships: Sequence[Membership] = ()) -> None:
        self.memberships = list(memberships)

    def enroll(
        self,
        user_id: UUID,
        section_id: UUID,
        course_id: UUID,
        role: SectionRole = SectionRole.STUDENT,
        state: EnrollmentState = EnrollmentState.ACTIVE,
        tenant_id: str = "college-a",
    ) -> None:
        self.memberships.append(
            Membership(
                tenant_id=tenant_id,
                user_id=user_id,
                section_id=section_id,
                course_id=course_id,
                role=role,
                state=state,
            )
        )

    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]:
        return [m for m in self.memberships if m.tenant_id == tenant_id and m.user_id == user_id]

    async def in_section(self, tenant_id: str, section_id: UUID) -> Sequence[Membership]:
        return [
            m for m in self.memberships if m.tenant_id == tenant_id and m.section_id == section_id
        ]

    async def in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Membership]:
        return [
            m for m in self.memberships if m.tenant_id == tenant_id and m.course_id == course_id
        ]


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


class SequentialIds:
    def __init__(self) -> None:
        self._next = 1000

    def new_id(self) -> UUID:
        self._next += 1
        return uuid.UUID(int=self._next)


class FakeDueLists:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, UUID], DueList] = {}

    async def get(self, tenant_id: str, student_id: UUID) -> DueList | None:
        return self.entries.get((tenant_id, student_id))

    async def put(self, tenant_id: str, student_id: UUID, due_list: DueList) -> None:
        self.entries[(tenant_id, student_id)] = due_list
