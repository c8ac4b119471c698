"""Changing an enrollment: its role, its state (through the machine), or dropping it. A seat
that frees up goes to the first waitlisted student."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.course.application.enrolling import locked_section
from lms.course.application.ports import EnrollmentStore
from lms.course.domain.enrollments import Enrollment, EnrollmentState, SectionRole
from lms.course.domain.errors import SectionFull
from lms.course.domain.events import EnrollmentUpdated, enrollment_event
from lms.course.domain.sections import Section
from lms_platform.kernel.errors import NotFound, PreconditionFailed
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal

_UNSET = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class EnrollmentChange:
    role: SectionRole | None = None
    observed_user_id: UUID | None | object = _UNSET
    state: EnrollmentState | None = None
    expected_version: int | None = None


async def promote_waitlisted(store: EnrollmentStore, section: Section, now: datetime) -> None:
    """Fill free seats from the waitlist, first come first served (the section is locked)."""
    if section.capacity is None:
        free = None
    else:
        free = section.capacity - await store.enrollments.seats_taken(section.id)
    while free is None or free > 0:
        waiting = await store.enrollments.next_waitlisted(section.id)
        if waiting is None:
            return
        waiting.change_state(EnrollmentState.ACTIVE, now)
        await store.enrollments.save(waiting)
        store.record(enrollment_event(EnrollmentUpdated, waiting, ["state"]))
        if free is not None:
            free -= 1


async def _enrollment_in_locked_section(
    store: EnrollmentStore, principal: Principal, enrollment_id: UUID
) -> tuple[Enrollment, Section]:
    enrollment = await store.enrollments.get(enrollment_id)
    if enrollment is None or enrollment.deleted_at is not None:
        raise NotFound("enrollment not found")
    section, _ = await locked_section(store, principal, enrollment.section_id)
    # Re-read under the section lock: a concurrent change may have committed meanwhile.
    enrollment = await store.enrollments.get(enrollment_id)
    if enrollment is None or enrollment.deleted_at is not None:
        raise NotFound("enrollment not found")
    return enrollment, section


class ChangeEnrollment:
    def __init__(self, store: EnrollmentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(
        self, principal: Principal, enrollment_id: UUID, change: EnrollmentChange
    ) -> Enrollment:
        enrollment, section = await _enrollment_in_locked_section(
            self._store, principal, enrollment_id
        )
        if change.expected_version is not None and change.expected_version != enrollment.version:
            raise PreconditionFailed(f"the enrollment is now at version {enrollment.version}")
        held_seat = enrollment.holds_seat
        now = self._clock.now()
        changed: list[str] = []
        if change.role is not None or change.observed_user_id is not _UNSET:
            role = change.role or enrollment.role
            observed = (
                enrollment.observed_user_id
                if change.observed_user_id is _UNSET
                else change.observed_user_id
            )
            if enrollment.change_role(role, observed, now):  # type: ignore[arg-type]
                changed += ["role", "observed_user_id"]
        if change.state is not None and enrollment.change_state(change.state, now):
            changed.append("state")
        if not changed:
            await self._store.rollback()
            return enrollment
        if enrollment.holds_seat and not held_seat:
            taken = await self._store.enrollments.seats_taken(section.id)
            if section.capacity is not None and taken >= section.capacity:
                raise SectionFull("the section is full", extra={"seats_left": 0})
        await self._store.enrollments.save(enrollment)
        self._store.record(enrollment_event(EnrollmentUpdated, enrollment, changed))
        if held_seat and not enrollment.holds_seat:
            await promote_waitlisted(self._store, section, now)
        await self._store.commit()
        return enrollment


class DropEnrollment:
    def __init__(self, store: EnrollmentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self, principal: Principal, enrollment_id: UUID) -> Enrollment:
        enrollment, section = await _enrollment_in_locked_section(
            self._store, principal, enrollment_id
        )
        held_seat = enrollment.holds_seat
        now = self._clock.now()
        if not enrollment.change_state(EnrollmentState.DROPPED, now):
            await self._store.rollback()
            return enrollment
        await self._store.enrollments.save(enrollment)
        self._store.record(enrollment_event(EnrollmentUpdated, enrollment, ["state"]))
        if held_seat:
            await promote_waitlisted(self._store, section, now)
        await self._store.commit()
        return enrollment
