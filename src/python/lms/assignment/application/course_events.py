"""The course service's ``course.*`` events: the known-courses read model (newest version
wins), and an archived or deleted course locks its assignments (each lock published as
``assignment.updated`` with ``locked``). Locking is idempotent, and archiving is final in the
course service, so a late, repeated or out-of-order archive still leaves them locked."""

from __future__ import annotations

from lms.assignment.application.ports import AssignmentUnitOfWork
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.events import AssignmentUpdated, assignment_event
from lms_platform.kernel.ports import Clock


class ApplyCourseSnapshot:
    def __init__(self, uow: AssignmentUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, course: KnownCourse) -> int:
        """Returns how many assignments it locked."""
        await self._uow.courses.apply(course)
        locked = 0
        if course.deleted or course.is_archived:
            now = self._clock.now()
            for assignment in await self._uow.assignments.live_in_course(
                course.tenant_id, course.course_id
            ):
                if assignment.lock(now):
                    await self._uow.assignments.save(assignment)
                    self._uow.record(assignment_event(AssignmentUpdated, assignment, ["locked"]))
                    locked += 1
        await self._uow.commit()
        return locked
