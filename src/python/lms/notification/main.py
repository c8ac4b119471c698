"""The notification service: templates, preferences and delivery history; it turns other
services' events into email (SMS, push and in-app behind ports). ``run()`` is the PEX entry
point (``notification serve | migrate | worker | import-auth-templates``); the platform runtime builds and runs
everything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lms.notification import ioc
from lms.notification.adapters.commands import import_auth_templates
from lms.notification.adapters.http.routes import ROUTES
from lms.notification.adapters.messaging.consumers import subscribe
from lms.notification.adapters.workers import delivery_worker, reminder_worker
from lms.notification.config import load_notification_settings
from lms_platform.runtime import ServiceSpec, run_service

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"


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
