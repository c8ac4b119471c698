"""The notification service: templates, preferences and delivery history; it turns other
services' events into email (SMS, push and in-app behind ports). ``run()`` is the PEX entry
point (``notification serve | migrate | worker | import-auth-templates``); the platform runtime builds and runs
everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dishka import AsyncContainer

from lms.notification import ioc
from lms.notification.adapters.channels.wakeup import DeliveryQueueSignal
from lms.notification.adapters.commands import import_auth_templates
from lms.notification.adapters.http.routes import ROUTES
from lms.notification.adapters.messaging.consumers import subscribe
from lms.notification.application.delivery import DeliverDueNotifications
from lms.notification.application.reminders import SendDueReminders
from lms.notification.config import NotificationSettings, load_notification_settings
from lms_platform.runtime import JobWorker, ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"


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


SERVICE = ServiceSpec(
    name="notification",
    title="LMS notification service",
    description="Notifications of each college: preferences, delivery (email over SMTP; SMS, push and in-app behind ports), digests and history.",
    load_settings=load_notification_settings,
    providers=ioc.providers,
    routes=ROUTES,
    migrations=MIGRATIONS_DIR,
    publishes=["notification"],
    consumes=[
        "credential",
        "account",
        "user",
        "assignment",
        "grade",
        "submission",
        "enrollment",
        "chat",
    ],
    subscribe=subscribe,
    background=[delivery_worker, reminder_worker],
    commands={"import-auth-templates": import_auth_templates},
)


def run(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE, argv)


if __name__ == "__main__":
    run()
