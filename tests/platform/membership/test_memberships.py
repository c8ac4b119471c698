"""The membership read model against real PostgreSQL and Kafka: a snapshot replaces the row only
with a higher version, so duplicates, replays and out-of-order events leave the model as a clean
run would; tombstones keep a late old event from bringing a deleted enrollment back. The request
reader never makes a request take a second pooled connection."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.config import ServiceSettings
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.membership import (
    EnrollmentSnapshot,
    MembershipChange,
    RequestMembershipReader,
    SqlMembershipReader,
    apply_enrollment,
    subscribe_memberships,
)
from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.persistence import (
    DatabaseBusy,
    admission_of,
    bounded_wait,
    create_engine,
    create_session_factory,
)
from lms_platform.runtime import ServiceRuntime, ServiceSpec
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import migrate_with, settings_for_test

COLLEGE = "college-a"
MIGRATIONS = Path(__file__).parent / "migrations"
SPEC: ServiceSpec[ServiceSettings] = ServiceSpec(
    name="members",
    title="memberships test service",
    description="",
    load_settings=lambda: ServiceSettings(service_name="members"),
    providers=lambda settings: [],
    migrations=MIGRATIONS,
    consumes=["enrollment"],
    subscribe=subscribe_memberships,
)


@pytest.fixture
def settings(
    make_database_template: Callable[..., str],
    fresh_database: Callable[..., str],
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
) -> ServiceSettings:
    template = make_database_template("memberships_template", migrate_with(SPEC))
    return settings_for_test(
        ServiceSettings,
        dsn=fresh_database(template),
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_namespace=kafka_namespace,
        service_name="members",
        run_relay=False,
    )


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url, service="members")
    yield engine
    await engine.dispose()


def snapshot(
    enrollment: uuid.UUID, user: uuid.UUID, section: uuid.UUID, **changes: object
) -> EnrollmentSnapshot:
    fields: dict[str, object] = {
        "id": enrollment,
        "user_id": user,
        "section_id": section,
        "course_id": uuid.UUID(int=section.int ^ 1),
        "role": SectionRole.STUDENT,
        "state": EnrollmentState.ACTIVE,
        "version": 1,
        "updated_at": datetime.now(UTC),
        **changes,
    }
    return EnrollmentSnapshot(**fields)  # type: ignore[arg-type]


async def test_only_a_higher_version_replaces_a_membership(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    reader = SqlMembershipReader(sessions)
    enrollment, user, section = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def apply(snap: EnrollmentSnapshot) -> MembershipChange | None:
        async with sessions() as session:
            change = await apply_enrollment(session, COLLEGE, snap)
            await session.commit()
            return change

    created = await apply(snapshot(enrollment, user, section))
    assert created is not None and created.before is None
    assert await apply(snapshot(enrollment, user, section)) is None  # a duplicate
    assert (
        await apply(
            snapshot(enrollment, user, section, version=3, role=SectionRole.TEACHING_ASSISTANT)
        )
        is not None
    )
    stale = snapshot(enrollment, user, section, version=2, state=EnrollmentState.DROPPED)
    assert await apply(stale) is None  # older than what is stored: ignored
    (member,) = await reader.of_user(COLLEGE, user)
    assert (member.role, member.state, member.is_staff) == (
        SectionRole.TEACHING_ASSISTANT,
        EnrollmentState.ACTIVE,
        True,
    )
    assert await reader.of_user("college-b", user) == []  # colleges never mix

    dropped = await apply(
        snapshot(enrollment, user, section, version=4, state=EnrollmentState.DROPPED)
    )
    assert dropped is not None and dropped.lost_access
    deleted = snapshot(enrollment, user, section, version=5, deleted_at=datetime.now(UTC))
    assert await apply(deleted) is not None
    assert await reader.in_section(COLLEGE, section) == []
    assert await apply(snapshot(enrollment, user, section, version=3)) is None  # no resurrection


async def test_the_consumer_applies_each_event_once_whatever_the_order(
    settings: ServiceSettings, kafka_bootstrap: str, engine: AsyncEngine
) -> None:
    runtime = ServiceRuntime(SPEC, settings, key_source=TokenFactory().key_source())
    await runtime.start_background()
    try:
        await asyncio.wait_for(runtime.consumers.started.wait(), 30)
        enrollment, user, section = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        versions = [
            ("enrollment.created", snapshot(enrollment, user, section, version=1)),
            (
                "enrollment.updated",
                snapshot(enrollment, user, section, version=3, role=SectionRole.INSTRUCTOR),
            ),
            # Out of order and duplicated: neither may undo version 3.
            (
                "enrollment.updated",
                snapshot(enrollment, user, section, version=2, state=EnrollmentState.DROPPED),
            ),
        ]
        envelopes = [
            new_envelope(
                kind,
                "course",
                str(enrollment),
                COLLEGE,
                {"section_id": str(section), "enrollment": msgspec.to_builtins(snap)},
            )
            for kind, snap in versions
        ]
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        try:
            for envelope in [*envelopes, envelopes[1]]:
                await producer.send_and_wait(
                    f"{settings.kafka_topic_prefix}enrollment",
                    encode_envelope(envelope),
                    key=str(section).encode(),
                )
        finally:
            await producer.stop()
        reader = SqlMembershipReader(create_session_factory(engine))

        async def processed() -> int:
            async with engine.connect() as connection:
                from sqlalchemy import text

                return int(
                    (
                        await connection.execute(text("SELECT count(*) FROM processed_messages"))
                    ).scalar_one()
                )

        for _ in range(200):
            if await processed() == 3:
                break
            await asyncio.sleep(0.1)
        assert await processed() == 3  # three distinct events; the duplicate was skipped
        (member,) = await reader.of_user(COLLEGE, user)
        assert (member.role, member.state) == (SectionRole.INSTRUCTOR, EnrollmentState.ACTIVE)
    finally:
        await runtime.stop_background()
        await runtime.close()


@pytest.fixture
async def one_connection(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url, service="members", pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


async def test_the_request_reader_reads_in_the_open_transaction(
    one_connection: AsyncEngine,
) -> None:
    sessions = create_session_factory(one_connection)
    user, section = uuid.uuid4(), uuid.uuid4()
    async with sessions() as request:
        # The request's transaction holds the pool's only connection (and an uncommitted row).
        await apply_enrollment(request, COLLEGE, snapshot(uuid.uuid4(), user, section))
        with bounded_wait(1.0):
            (member,) = await RequestMembershipReader(request, sessions).of_user(COLLEGE, user)
            assert member.section_id == section  # its own transaction's row: the same one
            assert len(request.identity_map) == 0  # Core rows: nothing left in the session
            # What it replaces: a session of its own waits for a second connection.
            with pytest.raises(DatabaseBusy):
                await SqlMembershipReader(sessions).of_user(COLLEGE, user)


async def test_the_request_reader_leaves_no_connection_held_outside_a_transaction(
    one_connection: AsyncEngine,
) -> None:
    sessions = create_session_factory(one_connection)
    user, section = uuid.uuid4(), uuid.uuid4()
    async with sessions() as writer:
        await apply_enrollment(writer, COLLEGE, snapshot(uuid.uuid4(), user, section))
        await writer.commit()
    async with sessions() as request:
        reader = RequestMembershipReader(request, sessions)
        (member,) = await reader.in_course(COLLEGE, uuid.UUID(int=section.int ^ 1))
        assert member.user_id == user
        # A short session of its own, already released: a storage call or another reader's
        # short session may follow without the request holding a connection.
        assert not request.in_transaction()
        assert admission_of(one_connection).in_use == 0
        assert await reader.in_section(COLLEGE, section) == [member]
