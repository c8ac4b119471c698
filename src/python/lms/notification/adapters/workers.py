"""The service's background workers, as ``ServiceSpec.background`` factories: each is off when
its ``run_*_worker`` setting is."""

from __future__ import annotations

from dishka import AsyncContainer

from lms.notification.adapters.channels.wakeup import DeliveryQueueSignal
from lms.notification.application.delivery import DeliverDueNotifications
from lms.notification.application.reminders import SendDueReminders
from lms.notification.config import NotificationSettings
from lms_platform.runtime import JobWorker


def delivery_worker(container: AsyncContainer, settings: NotificationSettings) -> JobWorker | None:
    """Sends what is due, one batch per transaction (every process runs one)."""
    if not settings.run_delivery_worker:
        return None
    return JobWorker(
        container,
        DeliverDueNotifications,
        poll_seconds=settings.delivery_poll_seconds,
        name="notification-delivery",
        wakeup_type=DeliveryQueueSignal,
    )


def reminder_worker(container: AsyncContainer, settings: NotificationSettings) -> JobWorker | None:
    """Turns due deadline reminders into notifications (every process runs one; claims skip
    each other's rows)."""
    if not settings.run_reminder_worker:
        return None
    return JobWorker(
        container,
        SendDueReminders,
        poll_seconds=settings.reminder_poll_seconds,
        name="notification-reminders",
    )
