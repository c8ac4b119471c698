"""The user service running for real: uvicorn on a free port, PostgreSQL, Redis and Kafka."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from lms.user.adapters.http.schemas import UserResponse
from lms.user.application.account_sync import AccountRegistered, CreateProfileFromAccount
from lms.user.config import UserSettings
from lms.user.main import MIGRATIONS_DIR, SERVICE
from lms_platform.kernel.roles import Role
from lms_platform.persistence import upgrade_to_head
from lms_platform.runtime import ServiceRuntime
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.http import serve_app
from lms_platform.testing.outbox import OUTBOX_INSERTS_SQL
from lms_platform.tracing import configure_tracing
from tests.user.permissions import default_permissions

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"
ACCOUNT_FIELDS = frozenset({"email", "display_name", "roles", "college_id", "id"})

_tracer = trace.get_tracer("tests.user")


def _migrate(dsn: str) -> None:
    upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))


@pytest.fixture(scope="session")
def user_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("user_template", _migrate)


@pytest.fixture
def user_dsn(fresh_database: Callable[..., str], user_template: str) -> str:
    return fresh_database(user_template)


@pytest.fixture(scope="session")
def session_span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing("user", exporter=exporter)
    return exporter


@pytest.fixture(autouse=True)
def span_exporter(session_span_exporter: InMemorySpanExporter) -> InMemorySpanExporter:
    """Every test runs traced, as in production; this test's spans only."""
    session_span_exporter.clear()
    return session_span_exporter


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def user_settings(
    request: pytest.FixtureRequest,
    user_dsn: str,
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
) -> UserSettings:
    return UserSettings(
        run_relay=request.node.get_closest_marker("without_relay") is None,
        database_url=to_asyncpg_sqlalchemy_url(user_dsn),
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=kafka_namespace,
        http_port=_free_port(),
        log_json=True,
        max_request_body_bytes=64 * 1024,
        consumer_group=f"user-{kafka_namespace}",
        consumer_session_timeout_ms=2_000,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningUserService:
    service: ServiceRuntime[UserSettings]
    client: httpx.AsyncClient
    settings: UserSettings
    tokens: TokenFactory
    dsn: str

    def token(
        self, user_id: str, *, college: str = COLLEGE, roles: tuple[str, ...] = (Role.STUDENT,)
    ) -> dict[str, str]:
        token = self.tokens.mint(
            user_id, college, roles=roles, permissions=default_permissions(roles)
        )
        return {"Authorization": f"Bearer {token}"}

    def admin(self, college: str = COLLEGE) -> dict[str, str]:
        return self.token("admin-" + college, college=college, roles=(Role.COLLEGE_ADMIN,))

    async def create_user(self, **fields: Any) -> dict[str, Any]:
        """A profile made as production makes one, from auth's ``account.registered``, by the
        consumer's use case run here (test_account_consumer covers the trip through Kafka).
        Returns it as ``GET /users/{id}`` shows it. Only account fields can be given."""
        unknown = set(fields) - ACCOUNT_FIELDS
        assert not unknown, f"profiles come from accounts; set {sorted(unknown)} afterwards"
        account = AccountRegistered(
            account_id=uuid.UUID(str(fields["id"])) if "id" in fields else uuid.uuid4(),
            tenant_id=fields.get("college_id") or COLLEGE,
            email=fields.get("email", "ada@example.edu"),
            display_name=fields.get("display_name", "Ada Lovelace"),
            roles=tuple(fields.get("roles", ["student"])),
            occurred_at=datetime.now(UTC),
        )
        # As in the consumer, the write happens inside a span its event's traceparent names.
        with _tracer.start_as_current_span("account process", kind=SpanKind.CONSUMER):
            async with self.service.container() as request:
                profile = await (await request.get(CreateProfileFromAccount))(account)
        assert profile is not None, f"a profile with id {account.account_id} exists already"
        return dict(msgspec.to_builtins(UserResponse.from_domain(profile)))

    async def scalar(self, sql: str, *args: Any) -> Any:
        connection = await asyncpg.connect(to_asyncpg_dsn(self.dsn))
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()

    async def row_counts(self) -> tuple[int, int]:
        """(profiles, outbox rows ever added): what a rejected request must leave unchanged."""
        return (
            await self.scalar("SELECT count(*) FROM profiles"),
            await self.scalar(OUTBOX_INSERTS_SQL),
        )


@pytest.fixture
async def user_service(
    user_settings: UserSettings, tokens: TokenFactory, user_dsn: str
) -> AsyncIterator[RunningUserService]:
    service = ServiceRuntime(SERVICE, user_settings, key_source=tokens.key_source())
    async with (
        serve_app(service.http_app(), user_settings.http_port) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=10.0) as client,
    ):
        yield RunningUserService(service, client, user_settings, tokens, user_dsn)
