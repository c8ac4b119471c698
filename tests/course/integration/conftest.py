"""The course service running for real: uvicorn on a free port, PostgreSQL, Redis and Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lms.course.config import CourseSettings
from lms.course.main import SERVICE
from lms_platform.kernel.roles import Role
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn
from lms_platform.testing.services import (
    RunningService,
    ServiceSettingsFactory,
    migrate_with,
    running_service,
    service_settings,  # noqa: F401 - fixture
)
from lms_platform.tracing import configure_tracing
from tests.course.permissions import default_permissions

COUNTED_TABLES = (
    "terms", "batches", "courses", "sections", "enrollments", "modules", "module_items",
    "known_users", "outbox", "roster_imports", "roster_sources",
)  # fmt: skip
VERSIONED_TABLES = ("courses", "sections", "enrollments")

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"


def pytest_configure(config: pytest.Config) -> None:
    # Off by default, so that outbox rows stay countable and no test waits for a group join.
    config.addinivalue_line("markers", "with_relay: run the service's outbox relay")
    config.addinivalue_line("markers", "with_consumers: run the service's Kafka consumers")


@pytest.fixture(scope="session")
def course_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("course_template", migrate_with(SERVICE))


@pytest.fixture(scope="session")
def session_span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing("course", exporter=exporter)
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
def course_settings(
    service_settings: ServiceSettingsFactory,  # noqa: F811
    course_template: str,
) -> CourseSettings:
    return service_settings(CourseSettings, course_template)


@pytest.fixture
async def course_service(
    course_settings: CourseSettings, tokens: TokenFactory
) -> AsyncIterator[RunningService[CourseSettings]]:
    async with running_service(SERVICE, course_settings, tokens=tokens) as running:
        yield running


@dataclass
class CourseApi:
    """The running service plus the steps tests take again and again."""

    service: RunningService[CourseSettings]

    @property
    def client(self) -> Any:
        return self.service.client

    def token(
        self, user_id: str, *, college: str = COLLEGE, roles: Iterable[str] = (Role.STUDENT,),
        permissions: Iterable[str] | None = None,
    ) -> dict[str, str]:  # fmt: skip
        roles = tuple(roles)
        granted = default_permissions(roles) if permissions is None else permissions
        return self.service.bearer(user_id, college, roles=roles, permissions=granted)

    def admin(self, college: str = COLLEGE) -> dict[str, str]:
        return self.token(f"admin-{college}", college=college, roles=(Role.COLLEGE_ADMIN,))

    async def add_user(
        self, *, college: str = COLLEGE, email: str | None = None, status: str = "active"
    ) -> str:
        """A user as the ``user.*`` consumer would have recorded them."""
        user_id = str(uuid.uuid4())
        await self.service.scalar(
            "INSERT INTO known_users (id, tenant_id, email, display_name, status, version) "
            "VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
            uuid.UUID(user_id), college, email or f"{user_id[:8]}@{college}.edu", "Someone", status,
        )  # fmt: skip
        return user_id

    async def create_course(self, code: str = "CS101", **fields: Any) -> dict[str, Any]:
        body = {"code": code, "title": "Intro to CS", **fields}
        response = await self.client.post("/courses", json=body, headers=self.admin())
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def publish(self, course_id: str) -> None:
        response = await self.client.patch(
            f"/courses/{course_id}", json={"status": "published"}, headers=self.admin()
        )
        assert response.status_code == 200, response.text

    async def create_section(
        self, course_id: str, code: str = "A", **fields: Any
    ) -> dict[str, Any]:
        body = {"course_id": course_id, "code": code, "name": f"Section {code}", **fields}
        response = await self.client.post("/sections", json=body, headers=self.admin())
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def enroll(
        self, section_id: str, user_id: str, role: str = "student", **fields: Any
    ) -> dict[str, Any]:
        body = {"user_id": user_id, "role": role, **fields}
        response = await self.client.post(
            f"/sections/{section_id}/enrollments", json=body, headers=self.admin()
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def count(self, table: str) -> int:
        return int(await self.service.scalar(f"SELECT count(*) FROM {table}"))  # - test tables

    async def row_counts(self) -> dict[str, int]:
        """Rows of every table a request may write, in one query: what a refused or invalid
        request must leave unchanged (updates included: the sum of the row versions moves)."""
        selects = ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in COUNTED_TABLES)
        versions = ", ".join(
            f"(SELECT coalesce(sum(version), 0) FROM {t}) AS {t}_versions" for t in VERSIONED_TABLES
        )
        url = self.service.settings.database_url.replace(
            "postgresql+asyncpg://", "postgresql://", 1
        )
        connection = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            row = await connection.fetchrow(f"SELECT {selects}, {versions}")
        finally:
            await connection.close()
        return dict(row)


@pytest.fixture
def api(course_service: RunningService[CourseSettings]) -> CourseApi:
    return CourseApi(course_service)
