"""The notification service running for real: uvicorn on a free port, PostgreSQL, Redis and Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from dishka import Provider, Scope

from lms.notification.config import NotificationSettings
from lms.notification.main import SERVICE
from lms_platform.kernel.ports import Clock
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import (
    RunningService,
    migrate_with,
    running_service,
    settings_for_test,
)
from lms_platform.testing.smtp import SmtpSink, smtp_server  # noqa: F401 - fixture

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"


@pytest.fixture(scope="session")
def notification_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("notification_template", migrate_with(SERVICE))


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture(scope="session")
def vapid_keys() -> tuple[str, str]:
    from tests.notification.integration.push_endpoint import new_vapid_key

    return new_vapid_key()


@pytest.fixture
def notification_overrides() -> dict[str, Any]:
    """Settings a module changes (the contract test: the production body limit)."""
    return {}


@pytest.fixture
def notification_settings(
    fresh_database: Callable[..., str],
    notification_template: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
    smtp_server: SmtpSink,  # noqa: F811
    vapid_keys: tuple[str, str],
    notification_overrides: dict[str, Any],
) -> NotificationSettings:
    return settings_for_test(
        NotificationSettings,
        dsn=fresh_database(notification_template),
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_namespace=kafka_namespace,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_timeout_seconds=2.0,
        delivery_poll_seconds=0.2,
        retry_initial_seconds=0.2,
        retry_max_seconds=2.0,
        login_url="http://lms.test/login",
        vapid_private_key=vapid_keys[0],
        vapid_subject="mailto:ops@lms.test",
        push_allow_loopback_http=True,
        **notification_overrides,
    )


class MovableClock:
    """The service's clock, moved by the test: digest windows and quiet hours without
    waiting for them. Only the domain's "now" moves; timeouts and polling stay real."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def clock_provider(clock: MovableClock) -> Provider:
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: clock, provides=Clock)
    return provider


@pytest.fixture
def notification_providers() -> list[Provider]:
    """Providers added after the service's own; a module overrides it (a movable clock)."""
    return []


@pytest.fixture
async def notification_service(
    notification_settings: NotificationSettings,
    tokens: TokenFactory,
    notification_providers: list[Provider],
) -> AsyncIterator[RunningService[NotificationSettings]]:
    async with running_service(
        SERVICE, notification_settings, tokens=tokens, providers=notification_providers
    ) as running:
        yield running
