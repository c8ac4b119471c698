"""Enrolling users into a section, one at a time or in bulk, within its capacity.

The section's row is locked (``SELECT ... FOR UPDATE``) for the whole decision, so concurrent
enrollments into one section are decided one after another against the seats really taken.
A unique index (one live enrollment per user and section) backs the same rule up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.course.application.access import CourseAccess, course_access
from lms.course.application.ports import EnrollmentStore
from lms.course.domain.courses import CourseStatus
from lms.course.domain.enrollments import (
    Enrollment,
    EnrollmentState,
    SectionRole,
    placement,
)
from lms.course.domain.events import EnrollmentCreated, EnrollmentUpdated, enrollment_event
from lms.course.domain.sections import Section
from lms_platform.kernel.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEnrollment:
    user_id: UUID
    role: SectionRole = SectionRole.STUDENT
    state: EnrollmentState = EnrollmentState.ACTIVE  # or invited
    observed_user_id: UUID | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkLimits:
    max_items: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class BulkOutcome:
    index: int
    user_id: UUID
    enrollment: Enrollment | None = None
    error: DomainError | None = None


async def locked_section(
    store: EnrollmentStore, principal: Principal, section_id: UUID
) -> tuple[Section, CourseAccess]:
    """The section, locked, and the caller's standing in its course; 404 if invisible, 403
    if the caller may not manage its enrollments."""
    section = await store.sections.lock(section_id)
    if section is None or section.deleted_at is not None:
        raise NotFound("section not found")
    access = await course_access(
        principal, await store.courses.get(section.course_id), store.enrollments
    )
    if not access.can_see:
        raise NotFound("section not found")
    if not access.can_manage_enrollments(section.id):
        raise PermissionDenied(
            "managing enrollments needs course:manage, or enrollment:manage as an instructor "
            "of this section"
        )
    return section, access


class Seats:
    """Seats taken, counted once under the section lock and kept current as we enroll."""

    def __init__(self, section: Section, taken: int) -> None:
        self.section, self.taken = section, taken

    def place(self, role: SectionRole, wanted: EnrollmentState) -> EnrollmentState:
        state = placement(role, wanted, self.section.seats_left(self.taken), self.section.waitlist)
        if role is SectionRole.STUDENT and state in (
            EnrollmentState.ACTIVE,
            EnrollmentState.INVITED,
        ):
            self.taken += 1
        return state


async def enroll_into(
    store: EnrollmentStore, section: Section, seats: Seats, data: NewEnrollment,
    clock: Clock, ids: IdGenerator,
) -> Enrollment:  # fmt: skip
    user = await store.users.get(data.user_id)
    if user is None or user.tenant_id != section.tenant_id or not user.can_enroll:
        raise InvalidInput("no such active user in this college", field="user_id")
    if data.observed_user_id is not None:
        observed = await store.enrollments.find(section.id, data.observed_user_id)
        if observed is None or not observed.is_current or observed.role is not SectionRole.STUDENT:
            raise InvalidInput(
                "an observer follows a student of this section", field="observed_user_id"
            )
    now = clock.now()
    existing = await store.enrollments.find(section.id, data.user_id)
    if existing is not None and existing.state is not EnrollmentState.DROPPED:
        raise Conflict(
            f"the user is already enrolled here ({existing.state})",
            extra={"enrollment_id": str(existing.id)},
        )
    state = seats.place(data.role, data.state)
    if existing is not None:
        existing.rejoin(data.role, state, data.observed_user_id, now)
        await store.enrollments.save(existing)
        store.record(
            enrollment_event(EnrollmentUpdated, existing, ["role", "state", "observed_user_id"])
        )
        return existing
    enrollment = Enrollment(
        id=ids.new_id(), tenant_id=section.tenant_id, section_id=section.id,
        course_id=section.course_id, user_id=data.user_id, role=data.role, state=state,
        observed_user_id=data.observed_user_id, created_at=now, updated_at=now,
    )  # fmt: skip
    await store.enrollments.add(enrollment)
    store.record(enrollment_event(EnrollmentCreated, enrollment))
    return enrollment


def _open_for_enrollment(access: CourseAccess) -> None:
    if access.course.status is CourseStatus.ARCHIVED:
        raise Conflict("the course is archived; nobody can be enrolled")


class Enroll:
    def __init__(self, store: EnrollmentStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(
        self, principal: Principal, section_id: UUID, data: NewEnrollment
    ) -> Enrollment:
        section, access = await locked_section(self._store, principal, section_id)
        _open_for_enrollment(access)
        seats = Seats(section, await self._store.enrollments.seats_taken(section.id))
        enrollment = await enroll_into(self._store, section, seats, data, self._clock, self._ids)
        await self._store.commit()
        return enrollment


class BulkEnroll:
    """Each item succeeds or fails on its own; the report says which and why. Items are
    decided in order, so the first ones get the seats."""

    def __init__(
        self, store: EnrollmentStore, clock: Clock, ids: IdGenerator, limits: BulkLimits
    ) -> None:
        self._store, self._clock, self._ids, self._limits = store, clock, ids, limits

    async def __call__(
        self, principal: Principal, section_id: UUID, items: Sequence[NewEnrollment]
    ) -> list[BulkOutcome]:
        if not 1 <= len(items) <= self._limits.max_items:
            raise InvalidInput(f"send between 1 and {self._limits.max_items} items", field="items")
        if len({item.user_id for item in items}) != len(items):
            raise InvalidInput("a user appears twice in the request", field="items")
        section, access = await locked_section(self._store, principal, section_id)
        _open_for_enrollment(access)
        seats = Seats(section, await self._store.enrollments.seats_taken(section.id))
        outcomes: list[BulkOutcome] = []
        for index, item in enumerate(items):
            try:
                enrollment = await enroll_into(
                    self._store, section, seats, item, self._clock, self._ids
                )
            except DomainError as error:
                outcomes.append(BulkOutcome(index=index, user_id=item.user_id, error=error))
            else:
                outcomes.append(
                    BulkOutcome(index=index, user_id=item.user_id, enrollment=enrollment)
                )
        await self._store.commit()
        return outcomes
