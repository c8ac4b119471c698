"""The notes service running for real: uvicorn on a free port, the MongoDB-protocol server
(a database per test), Redis and Kafka; tokens from a test factory; read models fed directly
(``seed_user``, ``seed_membership``) or through real events where a test is about events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase

from lms.notes.adapters.persistence.read_models import apply_enrollment, apply_user
from lms.notes.config import NotesSettings
from lms.notes.main import SERVICE
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.membership.events import EnrollmentSnapshot
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import RunningService, running_service, settings_for_test

COLLEGE = "college-a"
OTHER_COLLEGE = "college-b"
STUDENT_PERMISSIONS = ("note:write",)


@pytest.fixture(scope="session")
def tokens() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def notes_settings(
    mongo_url: str, mongo_database: str, redis_url: str, kafka_bootstrap: str,
    kafka_namespace: str,
) -> NotesSettings:  # fmt: skip
    return settings_for_test(
        NotesSettings,
        dsn=None,
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_namespace=kafka_namespace,
        mongo_url=mongo_url,
        mongo_database=mongo_database,
        max_request_body_bytes=512 * 1024,
    )


@pytest.fixture
async def notes_service(
    notes_settings: NotesSettings, tokens: TokenFactory
) -> AsyncIterator[RunningService[NotesSettings]]:
    async with running_service(SERVICE, notes_settings, tokens=tokens) as running:
        yield running


@pytest.fixture
async def notes_db(notes_settings: NotesSettings) -> AsyncIterator[AsyncIOMotorDatabase]:
    """The service's own database, to count documents before and after."""
    client: AsyncIOMotorClient = AsyncIOMotorClient(notes_settings.mongo_url, tz_aware=True)
    yield client[notes_settings.mongo_database]
    client.close()


def headers_for(
    service: RunningService[NotesSettings], user_id: uuid.UUID, college: str = COLLEGE,
    *, roles: tuple[str, ...] = ("student",), permissions: tuple[str, ...] = STUDENT_PERMISSIONS,
) -> dict[str, str]:  # fmt: skip
    return service.bearer(str(user_id), college, roles=roles, permissions=permissions)


async def seed_user(db: AsyncIOMotorDatabase, user_id: uuid.UUID, college: str = COLLEGE) -> None:
    """As a ``user.created`` would: the user exists in ``college``."""
    async with await db.client.start_session() as session, session.start_transaction():
        await apply_user(db, session, college, user_id, 1)


async def seed_membership(
    db: AsyncIOMotorDatabase, user_id: uuid.UUID, section_id: uuid.UUID, course_id: uuid.UUID,
    *, college: str = COLLEGE, state: EnrollmentState = EnrollmentState.ACTIVE, version: int = 1,
    enrollment_id: uuid.UUID | None = None,
) -> uuid.UUID:  # fmt: skip
    """As an ``enrollment.*`` would; returns the enrollment id."""
    enrollment_id = enrollment_id or uuid.uuid4()
    snapshot = EnrollmentSnapshot(
        id=enrollment_id, user_id=user_id, section_id=section_id, course_id=course_id,
        role=SectionRole.STUDENT, state=state, version=version, updated_at=datetime.now(UTC),
    )  # fmt: skip
    async with await db.client.start_session() as session, session.start_transaction():
        await apply_enrollment(db, session, college, snapshot)
    return enrollment_id


async def count_all(db: AsyncIOMotorDatabase) -> dict[str, int]:
    """Documents per collection, and the outbox records ever written (the sum of the per-key
    counters: the relay deletes what it published, so the outbox's own count moves by itself):
    what a refused request must leave as it was."""
    names = ["notes", "outbox_keys", "processed_messages", "users", "memberships"]
    counts = {name: await db[name].count_documents({}) for name in names}
    written = db["outbox_keys"].aggregate([{"$group": {"_id": None, "n": {"$sum": "$seq"}}}])
    counts["outbox_records_written"] = sum([doc["n"] async for doc in written])
    return counts
