"""The notification service's unit of work: every store on the request's session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms.notification.adapters.persistence.repository import (
    SqlAssignmentStore,
    SqlCollegeDefaultsStore,
    SqlNotificationStore,
    SqlPreferenceStore,
    SqlPushSubscriptionStore,
    SqlRecipientStore,
    SqlReminderStore,
    SqlTemplateStore,
)
from lms_platform.kernel.ports import Clock
from lms_platform.persistence.unit_of_work import EventStager, SqlAlchemyUnitOfWork


class NotificationSqlAlchemyUnitOfWork(SqlAlchemyUnitOfWork):
    def __init__(self, session: AsyncSession, events: EventStager, clock: Clock) -> None:
        super().__init__(session, events)
        self.notifications = SqlNotificationStore(session)
        self.preferences = SqlPreferenceStore(session, clock)
        self.recipients = SqlRecipientStore(session, clock)
        self.push_subscriptions = SqlPushSubscriptionStore(session)
        self.templates = SqlTemplateStore(session)
        self.college_defaults = SqlCollegeDefaultsStore(session, clock)
        self.assignments = SqlAssignmentStore(session)
        self.reminders = SqlReminderStore(session)
