"""A service running for real inside a test: its runtime on uvicorn on a free port, against the
session's PostgreSQL, Redis and Kafka, with tokens minted by a ``TokenFactory``.

A service's integration ``conftest.py`` needs only its settings and a migrated template::

    @pytest.fixture
    async def course(course_settings, tokens) -> AsyncIterator[RunningService[CourseSettings]]:
        async with running_service(SERVICE, course_settings, tokens=tokens) as running:
            yield running

The ``service_settings`` fixture (import it into the conftest) makes those settings on a fresh
copy of the template, with the relay and consumers on only in tests marked for them::

    @pytest.fixture
    def course_settings(service_settings, course_template) -> CourseSettings:
        return service_settings(CourseSettings, course_template)
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import asyncpg
import httpx
import pytest
from dishka import Provider

from lms_platform.config import ServiceSettings
from lms_platform.persistence import upgrade_to_head
from lms_platform.runtime import ServiceRuntime, ServiceSpec
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.http import serve_app

S = TypeVar("S", bound=ServiceSettings)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def migrate_with(spec: ServiceSpec[Any]) -> Any:
    """The ``migrate`` callable ``make_database_template`` wants, for ``spec``'s migrations."""
    if spec.migrations is None:
        raise ValueError(f"{spec.name} has no migrations")
    migrations = spec.migrations

    def migrate(dsn: str) -> None:
        upgrade_to_head(migrations, to_asyncpg_sqlalchemy_url(dsn))

    return migrate


def settings_for_test(
    settings_type: type[S],
    *,
    dsn: str | None,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
    **overrides: Any,
) -> S:
    """Settings for one test: its own database, topic prefix, consumer group and port."""
    values: dict[str, Any] = {
        "environment": "test",
        "redis_url": redis_url,
        "kafka_bootstrap_servers": kafka_bootstrap,
        "kafka_topic_prefix": kafka_namespace,
        "http_port": free_port(),
        "consumer_session_timeout_ms": 2_000,
        "max_request_body_bytes": 64 * 1024,
        **overrides,
    }
    if dsn is not None:
        values["database_url"] = to_asyncpg_sqlalchemy_url(dsn)
    values.setdefault("consumer_group", f"{settings_type.__name__.lower()}-{kafka_namespace}")
    return settings_type(**values)


class ServiceSettingsFactory(Protocol):
    def __call__(self, settings_type: type[S], template: str, **overrides: Any) -> S: ...


@pytest.fixture()
def service_settings(
    request: pytest.FixtureRequest,
    fresh_database: Callable[..., str],
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
) -> ServiceSettingsFactory:
    """``service_settings(CourseSettings, course_template, **overrides)``: ``settings_for_test``
    on a fresh copy of the template database, with the outbox relay and the Kafka consumers
    running only in a test marked ``with_relay`` or ``with_consumers`` (the conftest registers
    the markers), so that outbox rows stay countable and no other test waits for a group join."""

    def make(settings_type: type[S], template: str, **overrides: Any) -> S:
        return settings_for_test(
            settings_type,
            dsn=fresh_database(template),
            redis_url=redis_url,
            kafka_bootstrap=kafka_bootstrap,
            kafka_namespace=kafka_namespace,
            run_relay=request.node.get_closest_marker("with_relay") is not None,
            run_consumers=request.node.get_closest_marker("with_consumers") is not None,
            **overrides,
        )

    return make


@dataclass
class RunningService(Generic[S]):
    runtime: ServiceRuntime[S]
    client: httpx.AsyncClient
    settings: S
    tokens: TokenFactory | None

    def bearer(
        self,
        user_id: str,
        college: str,
        *,
        roles: Iterable[str] = ("student",),
        permissions: Iterable[str] = (),
    ) -> dict[str, str]:
        """Headers with a token minted by this test's ``TokenFactory``."""
        if self.tokens is None:
            raise RuntimeError("this service verifies real tokens; log in instead")
        token = self.tokens.mint(user_id, college, roles=roles, permissions=permissions)
        return {"Authorization": f"Bearer {token}"}

    async def scalar(self, sql: str, *args: Any) -> Any:
        """One value from the service's own database (row counts before and after, ...)."""
        url = self.settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        connection = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()


@contextlib.asynccontextmanager
async def running_service(
    spec: ServiceSpec[S],
    settings: S,
    *,
    tokens: TokenFactory | None = None,
    providers: Sequence[Provider] = (),
) -> AsyncIterator[RunningService[S]]:
    """Serve ``spec`` with ``settings`` (lifespan, relay and consumers included) until exit.
    With ``tokens``, the service trusts that factory's key instead of a JWKS URL."""
    runtime = ServiceRuntime(
        spec,
        settings,
        providers=providers,
        key_source=tokens.key_source() if tokens is not None else None,
    )
    async with (
        serve_app(runtime.http_app(), settings.http_port) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10.0) as client,
    ):
        yield RunningService(runtime, client, settings, tokens)
