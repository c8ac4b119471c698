"""Enrollments: a user in a section with a role, and the enrollment state machine.

Seats: only students take seats; an invited or active student holds one. A student who finds
the section full is waitlisted when the section keeps a waitlist, and refused otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.course.domain.errors import IllegalTransition, SectionFull
from lms_platform.kernel.errors import Conflict, InvalidInput

# The roles, states and staff roles are the platform's (every service's membership read model
# uses the same names); the rules about them live here.
from lms_platform.kernel.membership import STAFF_ROLES, EnrollmentState, SectionRole

__all__ = [
    "CURRENT", "SEAT_HOLDING", "STAFF_ROLES", "STATE_TRANSITIONS", "TEACHING_ROLES",
    "Enrollment", "EnrollmentState", "SectionRole", "check_observer_link", "placement",
]  # fmt: skip

# Who may change the course's content and its sections' enrollments.
TEACHING_ROLES = frozenset({SectionRole.INSTRUCTOR, SectionRole.DESIGNER})

SEAT_HOLDING = frozenset({EnrollmentState.INVITED, EnrollmentState.ACTIVE})
CURRENT = frozenset({EnrollmentState.INVITED, EnrollmentState.ACTIVE, EnrollmentState.WAITLISTED})

STATE_TRANSITIONS: dict[EnrollmentState, frozenset[EnrollmentState]] = {
    EnrollmentState.INVITED: frozenset({EnrollmentState.ACTIVE, EnrollmentState.DROPPED}),
    EnrollmentState.WAITLISTED: frozenset({EnrollmentState.ACTIVE, EnrollmentState.DROPPED}),
    EnrollmentState.ACTIVE: frozenset({EnrollmentState.COMPLETED, EnrollmentState.DROPPED}),
    EnrollmentState.COMPLETED: frozenset(),
    EnrollmentState.DROPPED: frozenset({EnrollmentState.ACTIVE}),  # re-enrolled
}


def placement(
    role: SectionRole, wanted: EnrollmentState, seats_left: int | None, waitlist: bool
) -> EnrollmentState:
    """The state a new (or returning) enrollment starts in, given the seats left."""
    if wanted not in (EnrollmentState.ACTIVE, EnrollmentState.INVITED):
        raise InvalidInput("a new enrollment is active or invited", field="state")
    if role is not SectionRole.STUDENT or seats_left is None or seats_left > 0:
        return wanted
    if waitlist:
        return EnrollmentState.WAITLISTED
    raise SectionFull("the section is full", extra={"seats_left": 0})


@dataclass(slots=True, kw_only=True)
class Enrollment:
    id: UUID
    tenant_id: str
    section_id: UUID
    course_id: UUID
    user_id: UUID
    role: SectionRole
    state: EnrollmentState
    observed_user_id: UUID | None  # the student an observer follows
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None  # a tombstone, kept for the snapshot feed
    version: int = 1

    def __post_init__(self) -> None:
        check_observer_link(self.role, self.observed_user_id, self.user_id)

    @property
    def holds_seat(self) -> bool:
        return self.role is SectionRole.STUDENT and self.state in SEAT_HOLDING

    @property
    def is_current(self) -> bool:
        return self.deleted_at is None and self.state in CURRENT

    def change_state(self, target: EnrollmentState, now: datetime) -> bool:
        if target is self.state:
            return False
        if target not in STATE_TRANSITIONS[self.state]:
            raise IllegalTransition(
                f"an enrollment that is {self.state} cannot become {target}",
                extra={
                    "from": self.state.value,
                    "to": target.value,
                    "allowed": sorted(s.value for s in STATE_TRANSITIONS[self.state]),
                },
            )
        self.state = target
        self._touch(now)
        return True

    def change_role(self, role: SectionRole, observed_user_id: UUID | None, now: datetime) -> bool:
        if role is self.role and observed_user_id == self.observed_user_id:
            return False
        if self.state in (EnrollmentState.COMPLETED, EnrollmentState.DROPPED):
            raise Conflict(f"the role of a {self.state} enrollment cannot change")
        check_observer_link(role, observed_user_id, self.user_id)
        self.role, self.observed_user_id = role, observed_user_id
        self._touch(now)
        return True

    def rejoin(
        self,
        role: SectionRole,
        state: EnrollmentState,
        observed_user_id: UUID | None,
        now: datetime,
    ) -> None:
        """A dropped user enrolled again: the same enrollment, a new role and state."""
        if self.state is not EnrollmentState.DROPPED:
            raise Conflict(f"the user is already enrolled here ({self.state})")
        check_observer_link(role, observed_user_id, self.user_id)
        self.role, self.state, self.observed_user_id = role, state, observed_user_id
        self._touch(now)

    def remove(self, now: datetime) -> None:
        """The user is gone (``user.deleted``) or the course is: leave a tombstone."""
        self.deleted_at = now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


def check_observer_link(role: SectionRole, observed: UUID | None, user_id: UUID) -> None:
    if role is SectionRole.OBSERVER and observed is None:
        raise InvalidInput("an observer is linked to a student", field="observed_user_id")
    if role is not SectionRole.OBSERVER and observed is not None:
        raise InvalidInput("only observers are linked to a student", field="observed_user_id")
    if observed is not None and observed == user_id:
        raise InvalidInput("an observer cannot observe themselves", field="observed_user_id")
