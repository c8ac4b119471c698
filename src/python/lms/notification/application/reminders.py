"""The deadline-reminder worker's step: plan again the assignments whose reminder window is
open (students who enrolled since their last event), then claim the reminders that are due (``FOR UPDATE SKIP
LOCKED``: several processes never take the same one), check each still holds (the assignment
is published, the student is still one of its active students, has not submitted, and their
effective due date is still the reminder's and still ahead), and make it a
``deadline_reminder`` notification, which the user's preferences route like any other. A
reminder is a notification once: its id is the notification's source event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lms.notification.application.assignment_copies import plan_reminders
from lms.notification.application.intake import AcceptNotification, NotificationRequest
from lms.notification.application.ports import Audience, DeliveryWakeup, IntakeUnitOfWork
from lms.notification.domain.assignments import REMINDER_LEAD, AssignmentCopy
from lms.notification.domain.deliveries import Recipient
from lms.notification.domain.kinds import NotificationType
from lms.notification.domain.reminders import Reminder, ReminderState
from lms_platform.kernel.ports import Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderPolicy:
    batch_size: int = 100
    url_template: str = "/assignments/{assignment_id}"
    # How often an assignment in its reminder window is planned again (late enrolments).
    replan_every: timedelta = timedelta(minutes=15)
    replan_batch_size: int = 20


class SendDueReminders:
    """One step of the worker: True when it claimed anything."""

    def __init__(
        self,
        uow: IntakeUnitOfWork,
        audience: Audience,
        accept: AcceptNotification,
        clock: Clock,
        wakeup: DeliveryWakeup,
        policy: ReminderPolicy,
    ) -> None:
        self._uow, self._audience, self._accept = uow, audience, accept
        self._clock, self._wakeup, self._policy = clock, wakeup, policy

    async def __call__(self) -> bool:
        now = self._clock.now()
        replanned = await self._replan(now)
        claimed = await self._uow.reminders.claim_due(now, self._policy.batch_size)
        if not claimed:
            if replanned:
                await self._uow.commit()
            return replanned
        queued = False
        for reminder in claimed:
            copy = await self._uow.assignments.get(reminder.college_id, reminder.assignment_id)
            if copy is None or not await self._still_holds(reminder, copy):
                await self._uow.reminders.finish(reminder.id, ReminderState.CANCELLED, now)
                continue
            staged = await self._accept.stage(self._request(reminder, copy))
            queued = queued or bool(staged)
            await self._uow.reminders.finish(reminder.id, ReminderState.SENT, now)
        await self._uow.commit()
        if queued:
            self._wakeup.delivery_queued()
        return True

    async def _replan(self, now: datetime) -> bool:
        """Plans again the assignments whose reminder window is open (or opens before the next
        replan) and were not planned for ``replan_every``: a student who enrolled after the
        assignment's last event gets their reminder too."""
        stale = await self._uow.assignments.in_reminder_window(
            now,
            now + REMINDER_LEAD + self._policy.replan_every,
            now - self._policy.replan_every,
            self._policy.replan_batch_size,
        )
        for copy in stale:
            await plan_reminders(self._uow, self._audience, copy, now)
        return bool(stale)

    async def _still_holds(self, reminder: Reminder, copy: AssignmentCopy) -> bool:
        if not copy.open_for_reminders or reminder.due_at <= self._clock.now():
            return False
        sections = await self._audience.sections_of(
            copy.college_id, copy.course_id, reminder.account_id
        )
        if not sections or (copy.section_ids and not set(sections) & set(copy.section_ids)):
            return False  # no longer one of its students
        if await self._uow.assignments.submitted(copy.college_id, copy.id, [reminder.account_id]):
            return False
        return copy.due_for(reminder.account_id, sections) == reminder.due_at

    def _request(self, reminder: Reminder, copy: AssignmentCopy) -> NotificationRequest:
        url = self._policy.url_template.replace("{assignment_id}", copy.id)
        return NotificationRequest(
            source_event_id=reminder.id,
            college_id=reminder.college_id,
            type=NotificationType.DEADLINE_REMINDER,
            recipient=Recipient(account_id=reminder.account_id, email=None),
            variables={
                "title": copy.title,
                "assignment_title": copy.title,
                "due_at": reminder.due_at.isoformat(),
                "url": url,
            },
        )
