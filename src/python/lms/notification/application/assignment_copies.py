"""The copy of assignments kept from ``assignment.*`` events (the highest version wins, a
replayed or older one changes nothing), and what follows from it: the titles other messages
name, and the deadline reminders planned for the assignment's students (one per student x
assignment x effective due date; a moved date cancels the pending one and plans the new one).
Submissions from ``submission.*`` events cancel the student's reminder."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from lms.notification.application.ports import AssignmentStore, Audience, ReminderStore
from lms.notification.domain.assignments import AssignmentCopy, title_of
from lms_platform.kernel.ports import Clock


class AssignmentsUnitOfWork(Protocol):
    assignments: AssignmentStore
    reminders: ReminderStore

    async def commit(self) -> None: ...


class KeepAssignmentCopy:
    def __init__(self, uow: AssignmentsUnitOfWork, audience: Audience, clock: Clock) -> None:
        self._uow, self._audience, self._clock = uow, audience, clock

    async def __call__(self, copy: AssignmentCopy, *, commit: bool = True) -> bool:
        """True when ``copy`` is newer than what was here (and reminders were replanned)."""
        if not await self._uow.assignments.keep(copy):
            return False
        await plan_reminders(self._uow, self._audience, copy, self._clock.now())
        if commit:
            await self._uow.commit()
        return True


async def plan_reminders(
    uow: AssignmentsUnitOfWork, audience: Audience, copy: AssignmentCopy, now: datetime
) -> None:
    """The assignment's pending reminders made exactly one per current student whose
    effective due date is ahead and who has not submitted."""
    due = {}
    if copy.open_for_reminders:
        students = await audience.student_sections(
            copy.college_id, copy.course_id, copy.section_ids
        )
        done = await uow.assignments.submitted(copy.college_id, copy.id, list(students))
        for student, sections in students.items():
            when = copy.due_for(student, sections)
            if when is not None and when > now and student not in done:
                due[student] = when
    await uow.reminders.schedule(copy.college_id, copy.id, due, now)
    await uow.assignments.planned(copy.college_id, copy.id, now)


class AssignmentTitles:
    """The title to put in a message about an assignment ("your assignment" while this
    service has not seen it)."""

    def __init__(self, uow: AssignmentsUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, college_id: str, assignment_id: str) -> str:
        return title_of(await self._uow.assignments.get(college_id, assignment_id))


class RecordSubmission:
    """The student submitted: no deadline reminder for this assignment any more. Uncommitted:
    the receipt's transaction carries it."""

    def __init__(self, uow: AssignmentsUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, college_id: str, assignment_id: str, student_id: str) -> None:
        await self._uow.assignments.record_submission(college_id, assignment_id, student_id)
        await self._uow.reminders.cancel(college_id, assignment_id, student_id)
