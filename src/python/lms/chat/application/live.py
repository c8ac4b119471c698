"""The live channel per user: a platform event pushed to the sockets of the people it concerns
(``lms.chat.domain.live`` says who), on every process, through the fan-out. Nothing is stored:
the consumer's record of the event (``processed_messages``) commits after the push, so a
replayed event is pushed once, and a push that failed is retried with the event. An event older
than ``LiveLimits.max_age_seconds`` (read from a backlog) is pushed to nobody."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class LiveLimits:
    max_age_seconds: float = 300.0


class PushLive:
    def __init__(
        self, memberships: MembershipReader, fanout: LiveFanout, clock: Clock, limits: LiveLimits
    ) -> None:
        self._memberships, self._fanout, self._clock = memberships, fanout, clock
        self._limits = limits

    async def assignment_published(
        self, tenant_id: str, notice: LiveNotice, *, announced_early: bool
    ) -> int:
        """To the active students and staff of its sections, of ``tenant_id`` only."""
        assignment = notice.body
        if not isinstance(assignment, AssignmentPublished):
            raise TypeError("an assignment_published notice carries an AssignmentPublished")
        if self._stale(notice):
            return 0
        students_too = visible_to_students(assignment, announced_early, self._clock.now())
        memberships = await self._memberships.in_course(tenant_id, assignment.course_id)
        audience = assignment_audience(assignment, memberships, students_too=students_too)
        return await self._push(tenant_id, audience, notice)

    async def to_person(self, tenant_id: str, user_id: UUID | str, notice: LiveNotice) -> int:
        """A grade to its student, a notification to its user: that person's sockets only."""
        return 0 if self._stale(notice) else await self._push(tenant_id, {user_id}, notice)

    def _stale(self, notice: LiveNotice) -> bool:
        """Live means now: an event read from a backlog (a consumer catching up) is not pushed."""
        age = (self._clock.now() - notice.occurred_at).total_seconds()
        return age > self._limits.max_age_seconds

    async def _push(self, tenant_id: str, users: Collection[UUID | str], notice: LiveNotice) -> int:
        if users:
            await self._fanout.live(tenant_id, sorted(str(u) for u in users), notice)
        return len(users)
