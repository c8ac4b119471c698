"""Messaging fixtures; the servers (postgres_dsn, kafka_bootstrap, ...) come from tests/conftest.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from aiokafka import AIOKafkaProducer
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from lms_platform.messaging import OutboxMessage, ProcessedMessage, build_broker
from lms_platform.testing import to_asyncpg_sqlalchemy_url
from lms_platform.tracing import configure_tracing
from tests.platform.messaging.account_stream import AccountStream, account_topics
from tests.platform.messaging.support import test_metadata


@pytest.fixture()
async def engine(postgres_dsn: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(to_asyncpg_sqlalchemy_url(postgres_dsn), pool_size=5)
    async with engine.begin() as connection:
        for table in (OutboxMessage.__table__, ProcessedMessage.__table__):
            await connection.run_sync(table.create)  # type: ignore[attr-defined]
        await connection.run_sync(test_metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture()
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing("messaging-tests", exporter=exporter)
    return exporter


@pytest.fixture()
def spans(span_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    span_exporter.clear()
    yield span_exporter
    span_exporter.clear()


@pytest.fixture()
def unique() -> str:
    """A short unique suffix for consumer names and metric labels of one test."""
    return uuid.uuid4().hex[:8]


@pytest.fixture()
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    """A plain producer standing in for another service's relay."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    yield producer
    await producer.stop()


@pytest.fixture()
async def accounts(kafka_bootstrap: str, kafka_namespace: str, unique: str) -> AccountStream:
    """This test's account topics, created, and a consumer ``user-<unique>`` of them."""
    topic, dlq = await account_topics(kafka_bootstrap, kafka_namespace)
    service = f"user-{unique}"
    broker = build_broker(kafka_bootstrap, client_id=service)
    return AccountStream(kafka_bootstrap, topic, dlq, service, f"{service}.accounts", broker)
