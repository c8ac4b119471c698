"""The assignment service running for real: uvicorn on a free port, PostgreSQL, Redis and Kafka.

A test's course: one course with sections A and B; an instructor and a TA of section A, a
student of A and a student of B, all known to the service through its membership read model
(written here with the platform's projection, ``apply_enrollment``, as the consumer would;
tests/assignment/integration/test_enrollment_flow.py sends the real events through Kafka).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lms.assignment.config import AssignmentSettings
from lms.assignment.main import SERVICE
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.kernel.roles import Role
from lms_platform.membership import EnrollmentSnapshot, apply_enrollment
from lms_platform.persistence import create_session_factory
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
from tests.assignment.permissions import default_permissions

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"
COUNTED_TABLES = ("assignments", "assignment_overrides", "late_policies", "known_courses", "outbox")
VERSIONED_TABLES = ("assignments", "late_policies")


def pytest_configure(config: pytest.Config) -> None:
    # Off by default, so that outbox rows stay countable and no test waits for a group join.
    config.addinivalue_line("markers", "with_relay: run the service's outbox relay")
    config.addinivalue_line("markers", "with_consumers: run the service's Kafka consumers")


@pytest.fixture(scope="session")
def assignment_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("assignment_template", migrate_with(SERVICE))


@pytest.fixture(scope="session", autouse=True)
def traced() -> InMemorySpanExporter:
    """Every test runs traced, as in production (events then carry a traceparent)."""
    exporter = InMemorySpanExporter()
    configure_tracing("assignment", exporter=exporter)
    return exporter


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def assignment_settings(
    service_settings: ServiceSettingsFactory,  # noqa: F811
    assignment_template: str,
) -> AssignmentSettings:
    return service_settings(AssignmentSettings, assignment_template)


@pytest.fixture
async def assignment_service(
    assignment_settings: AssignmentSettings, tokens: TokenFactory
) -> AsyncIterator[RunningService[AssignmentSettings]]:
    async with running_service(SERVICE, assignment_settings, tokens=tokens) as running:
        yield running


@dataclass
class Cast:
    """Who is who in a test's course."""

    course_id: uuid.UUID
    section_a: uuid.UUID
    section_b: uuid.UUID
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class AssignmentApi:
    """The running service plus the steps tests take again and again."""

    service: RunningService[AssignmentSettings]
    cast: Cast

    @property
    def client(self) -> Any:
        return self.service.client

    def token(
        self,
        user_id: uuid.UUID | str,
        *,
        college: str = COLLEGE,
        roles: Iterable[str] = (Role.STUDENT,),
        permissions: Iterable[str] | None = None,
    ) -> dict[str, str]:
        roles = tuple(roles)
        granted = default_permissions(roles) if permissions is None else permissions
        return self.service.bearer(str(user_id), college, roles=roles, permissions=granted)

    def as_(self, who: str) -> dict[str, str]:
        """Headers of a cast member ("instructor", "ta", "student", "other_section",
        "outsider", "other_college", "admin")."""
        if who == "admin":
            return self.token("admin-a", roles=(Role.COLLEGE_ADMIN,))
        college = OTHER_COLLEGE if who == "other_college" else COLLEGE
        return self.token(self.cast.users[who], college=college, roles=self.cast.roles[who])

    async def enroll(
        self,
        user_id: uuid.UUID,
        section_id: uuid.UUID,
        role: SectionRole = SectionRole.STUDENT,
        *,
        state: EnrollmentState = EnrollmentState.ACTIVE,
        course_id: uuid.UUID | None = None,
        college: str = COLLEGE,
        version: int = 1,
        enrollment_id: uuid.UUID | None = None,
    ) -> EnrollmentSnapshot:
        """A membership as the ``enrollment.*`` consumer records it."""
        now = datetime.now(UTC)
        snapshot = EnrollmentSnapshot(
            id=enrollment_id or uuid.uuid4(),
            user_id=user_id,
            section_id=section_id,
            course_id=course_id or self.cast.course_id,
            role=role,
            state=state,
            version=version,
            updated_at=now,
        )
        engine = self.service.runtime.engine
        assert engine is not None
        async with create_session_factory(engine)() as session:
            await apply_enrollment(session, college, snapshot)
            await session.commit()
        return snapshot

    async def know_course(
        self, course_id: uuid.UUID, *, college: str = COLLEGE, status: str = "published"
    ) -> None:
        """A course as the ``course.*`` consumer records it."""
        await self.service.scalar(
            "INSERT INTO known_courses (course_id, tenant_id, status, version, updated_at,"
            " deleted) VALUES ($1, $2, $3, 1, now(), false) RETURNING course_id",
            course_id,
            college,
            status,
        )

    async def create(self, *, as_: str = "instructor", **fields: Any) -> dict[str, Any]:
        body = {
            "course_id": str(self.cast.course_id),
            "title": "Essay 1",
            "points_possible": 10,
            "status": "published",
            **fields,
        }
        response = await self.client.post("/assignments", json=body, headers=self.as_(as_))
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def row_counts(self) -> dict[str, int]:
        """Rows of every table a request may write, and the sum of the row versions: what a
        refused or invalid request must leave unchanged."""
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


async def build_cast(api: AssignmentApi) -> None:
    cast = api.cast
    people = {
        "instructor": (SectionRole.INSTRUCTOR, cast.section_a, (Role.INSTRUCTOR,)),
        "ta": (SectionRole.TEACHING_ASSISTANT, cast.section_a, (Role.TEACHING_ASSISTANT,)),
        "student": (SectionRole.STUDENT, cast.section_a, (Role.STUDENT,)),
        "other_section": (SectionRole.STUDENT, cast.section_b, (Role.STUDENT,)),
    }
    for name, (section_role, section, platform_roles) in people.items():
        cast.users[name] = uuid.uuid4()
        cast.roles[name] = platform_roles
        await api.enroll(cast.users[name], section, section_role)
    # In the college, enrolled in nothing; and an instructor of another college who teaches
    # a course there (with the same kind of roles).
    cast.users["outsider"], cast.roles["outsider"] = uuid.uuid4(), (Role.STUDENT,)
    cast.users["other_college"], cast.roles["other_college"] = uuid.uuid4(), (Role.INSTRUCTOR,)
    await api.enroll(
        cast.users["other_college"],
        uuid.uuid4(),
        SectionRole.INSTRUCTOR,
        course_id=uuid.uuid4(),
        college=OTHER_COLLEGE,
    )
    await api.know_course(cast.course_id)


@pytest.fixture
async def api(assignment_service: RunningService[AssignmentSettings]) -> AssignmentApi:
    cast = Cast(course_id=uuid.uuid4(), section_a=uuid.uuid4(), section_b=uuid.uuid4())
    built = AssignmentApi(assignment_service, cast)
    await build_cast(built)
    return built
