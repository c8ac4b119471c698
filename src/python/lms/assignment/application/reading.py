"""Reading one assignment (``GET /assignments/{id}``) as the caller sees it."""

from __future__ import annotations

from uuid import UUID

from lms.assignment.application.access import standing_in
from lms.assignment.application.ports import AssignmentReader
from lms.assignment.application.views import AssignmentView, visible_or_404
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class GetAssignment:
    def __init__(
        self, reader: AssignmentReader, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._reader, self._memberships, self._clock = reader, memberships, clock

    async def __call__(self, principal: Principal, assignment_id: UUID) -> AssignmentView:
        assignment = await self._reader.get(principal.tenant_id, assignment_id)
        if assignment is None:
            raise NotFound("assignment not found")
        standing = await standing_in(
            self._memberships, principal, assignment.tenant_id, assignment.course_id
        )
        return visible_or_404(standing, assignment, self._clock.now())
