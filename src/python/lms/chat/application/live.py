"""The live channel per user: a platform event pushed to the sockets of the people it concerns
(``lms.chat.domain.live`` says who), on every process, through the fan-out. Nothing is stored:
the consumer's record of the event (``processed_messages``) commits after the push, so a
replayed event is pushed once, and a push that failed is retried with the event."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from lms.chat.application.ports import LiveFanout
from lms.chat.domain.live import (
    AssignmentPublished,
    LiveNotice,
    assignment_audience,
    visible_to_students,
)
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock


class PushLive:
    def __init__(self, memberships: MembershipReader, fanout: LiveFanout, clock: Clock) -> None:
        self._memberships, self._fanout, self._clock = memberships, fanout, clock

    async def assignment_published(
        self, tenant_id: str, notice: LiveNotice, *, announced_early: bool
    ) -> int:
        """To the active students and staff of its sections, of ``tenant_id`` only."""
        assignment = notice.body
        if not isinstance(assignment, AssignmentPublished):
            raise TypeError("an assignment_published notice carries an AssignmentPublished")
        students_too = visible_to_students(assignment, announced_early, self._clock.now())
        memberships = await self._memberships.in_course(tenant_id, assignment.course_id)
        audience = assignment_audience(assignment, memberships, students_too=students_too)
        return await self._push(tenant_id, audience, notice)

    async def to_person(self, tenant_id: str, user_id: UUID | str, notice: LiveNotice) -> int:
        """A grade to its student, a notification to its user: that person's sockets only."""
        return await self._push(tenant_id, {user_id}, notice)

    async def _push(self, tenant_id: str, users: Collection[UUID | str], notice: LiveNotice) -> int:
        if users:
            await self._fanout.live(tenant_id, sorted(str(u) for u in users), notice)
        return len(users)
