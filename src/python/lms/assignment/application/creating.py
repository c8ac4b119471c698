"""Creating an assignment (``POST /assignments``), as a draft or published at once."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lms.assignment.application.access import ASSIGNMENT_CREATE, standing_in
from lms.assignment.application.ports import AssignmentReader, AssignmentUnitOfWork
from lms.assignment.domain.assignments import Assignment, AssignmentContent
from lms.assignment.domain.errors import CourseArchived
from lms.assignment.domain.events import AssignmentCreated, AssignmentPublished, assignment_event
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAssignment:
    course_id: UUID
    content: AssignmentContent
    publish: bool = False


class CreateAssignment:
    def __init__(
        self,
        uow: AssignmentUnitOfWork,
        reader: AssignmentReader,
        memberships: MembershipReader,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._reader, self._memberships = uow, reader, memberships
        self._clock, self._ids = clock, ids

    async def __call__(self, principal: Principal, new: NewAssignment) -> Assignment:
        tenant = principal.tenant_id
        standing = await standing_in(self._memberships, principal, tenant, new.course_id)
        standing.ensure_staff_with(ASSIGNMENT_CREATE)
        course = await self._reader.course(tenant, new.course_id)
        if course is None and not standing.memberships:
            # A college manager names a course this service has not heard of (yet).
            raise NotFound("course not found")
        if course is not None and not course.takes_assignments:
            raise CourseArchived("the course is archived; it takes no new assignments")
        assignment = Assignment.create(
            id=self._ids.new_id(),
            tenant_id=tenant,
            course_id=new.course_id,
            content=new.content,
            publish=new.publish,
            created_by=principal.user_id,
            now=self._clock.now(),
        )
        await self._uow.assignments.add(assignment)
        self._uow.record(assignment_event(AssignmentCreated, assignment))
        if assignment.is_published:
            self._uow.record(assignment_event(AssignmentPublished, assignment, ["status"]))
        await self._uow.commit()
        return assignment
