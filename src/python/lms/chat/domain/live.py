"""The live channel per user: what the platform tells a person as it happens (an assignment
published to their section, their grade posted, an in-app notification), pushed on the sockets
they have open, and who is concerned. Pure types and rules; the consumer and the fan-out are
adapters.

- ``assignment.published``: the active students and staff of its sections (every section of
  its course when it names none). Students hear of it only once they may see it: it has
  unlocked (its own dates) or its teacher announced it before unlock; staff always.
- ``grade.posted``: the submission's student only.
- ``notification.in_app_created``: the notification's user only.

Everyone concerned is of the event's college; nobody of another college is ever a recipient.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms_platform.kernel.membership import STAFF_ROLES, Membership, SectionRole


class LiveKind(StrEnum):
    ASSIGNMENT_PUBLISHED = "assignment_published"
    GRADE_POSTED = "grade_posted"
    NOTIFICATION = "notification"


@dataclass(frozen=True, slots=True, kw_only=True)
class AssignmentPublished:
    assignment_id: UUID
    course_id: UUID
    section_ids: tuple[UUID, ...]  # empty: every section of the course
    title: str
    unlock_at: datetime | None
    due_at: datetime | None  # the assignment's own; overrides are the assignment API's


@dataclass(frozen=True, slots=True, kw_only=True)
class GradePosted:
    """Ids and times only, never the score (as the notification service's grade mail)."""

    submission_id: UUID
    assignment_id: UUID
    course_id: UUID
    posted_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class InAppNotification:
    id: UUID
    user_id: str
    kind: str
    subject: str
    body_text: str
    created_at: datetime


LiveBody = AssignmentPublished | GradePosted | InAppNotification

# The ``data`` of each kind (the AsyncAPI test checks the document against it).
LIVE_BODIES: dict[LiveKind, type[LiveBody]] = {
    LiveKind.ASSIGNMENT_PUBLISHED: AssignmentPublished,
    LiveKind.GRADE_POSTED: GradePosted,
    LiveKind.NOTIFICATION: InAppNotification,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveNotice:
    """One platform event for its recipients: ``event_id`` is the event's envelope id, the same
    on every socket (a client may drop one it has seen)."""

    event_id: str
    occurred_at: datetime
    body: LiveBody

    @property
    def kind(self) -> LiveKind:
        return next(kind for kind, body in LIVE_BODIES.items() if isinstance(self.body, body))


def visible_to_students(
    assignment: AssignmentPublished, announced_early: bool, now: datetime
) -> bool:
    return announced_early or assignment.unlock_at is None or assignment.unlock_at <= now


def assignment_audience(
    assignment: AssignmentPublished,
    memberships: Iterable[Membership],
    *,
    students_too: bool,
) -> set[UUID]:
    """The people of ``memberships`` (the course's or its sections', of the event's college)
    who are told: active staff of the targeted sections, and their active students when
    ``students_too``. Observers and inactive enrollments are not."""
    sections = set(assignment.section_ids)
    roles = set(STAFF_ROLES) | ({SectionRole.STUDENT} if students_too else set())
    return {
        m.user_id
        for m in memberships
        if m.is_active
        and m.course_id == assignment.course_id
        and (not sections or m.section_id in sections)
        and m.role in roles
    }
