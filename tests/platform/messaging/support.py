"""Helpers shared by the messaging tests (fixtures are in conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata
from prometheus_client import REGISTRY
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.messaging import PENDING, Backoff, Envelope, OutboxRelay, encode_envelope
from lms_platform.messaging.admin_port import ParkedOutboxAdmin
from lms_platform.messaging.headers import cloudevent_headers, encode_headers

# A stand-in for a service's own state, changed in the same transaction as the outbox write or
# the processed-message record. Test-only metadata, so no service's migrations see it.
test_metadata = MetaData()
effects = Table(
    "effects",
    test_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("subject", String(255), nullable=False),
)


async def publish_envelope(
    producer: AIOKafkaProducer, topic: str, envelope: Envelope
) -> RecordMetadata:
    """Publish as another service's relay would: structured envelope, ce_* headers, keyed."""
    return await producer.send_and_wait(
        topic,
        encode_envelope(envelope),
        key=envelope.subject.encode(),
        headers=encode_headers(cloudevent_headers(envelope)),
    )


async def effect_count(engine: AsyncEngine, event_id: str | None = None) -> int:
    statement = select(func.count()).select_from(effects)
    if event_id is not None:
        statement = statement.where(effects.c.event_id == event_id)
    async with engine.connect() as connection:
        return int(await connection.scalar(statement) or 0)


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = 15.0, message: str = ""
) -> None:
    """Poll ``check`` until it holds; fail with ``message`` after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(message or f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


FAST_BACKOFF = Backoff(initial=0.05, maximum=0.3)


def make_relay(
    engine: AsyncEngine, bootstrap: str, service: str, **overrides: object
) -> OutboxRelay:
    """A relay with test-sized timeouts and backoffs (the outage backoff and the rows' own)."""
    options: dict[str, object] = {
        "backoff": FAST_BACKOFF,
        "retry_backoff": FAST_BACKOFF,
        "request_timeout_ms": 1500,
        "poll_interval": 0.5,
    }
    options.update(overrides)
    return OutboxRelay(engine, bootstrap, service, **options)  # type: ignore[arg-type]


async def delete_topics(bootstrap: str, names: list[str]) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        response = await admin.delete_topics(names)
    finally:
        await admin.close()
    errors = [(topic, code) for topic, code, *_ in response.topic_error_codes if code]
    if errors:
        raise RuntimeError(f"could not delete topics: {errors}")


Store = TypeVar("Store")
Id = TypeVar("Id")
_Store_contra = TypeVar("_Store_contra", contravariant=True)
_Id_co = TypeVar("_Id_co", covariant=True)


class AddOutboxRow(Protocol[_Store_contra, _Id_co]):
    """A test's ``add(store, topic, key, parked=...)``: one outbox row, parked as the relay
    parks one or left pending after a few failed attempts."""

    async def __call__(
        self, store: _Store_contra, topic: str, key: str, /, *, parked: bool
    ) -> _Id_co: ...


async def check_retry_and_discard_touch_only_parked(
    store: Store,
    admin: ParkedOutboxAdmin,
    add: AddOutboxRow[Store, Id],
    states: Callable[[Store], Awaitable[dict[Id, tuple[str, int]]]],
) -> None:
    """What every outbox admin (PostgreSQL's and MongoDB's) must do: retry by ids (an empty
    list is not "all"), by topic or all, and discard, each touching parked rows only."""
    u1 = await add(store, "user", "a", parked=True)
    u2 = await add(store, "user", "b", parked=True)
    c1 = await add(store, "course", "a", parked=True)
    pending = await add(store, "course", "z", parked=False)

    assert await admin.retry([]) == 0  # an empty list is not "all"
    assert await admin.retry(topic="course") == 1
    assert (await states(store))[c1] == (PENDING, 0)
    assert await admin.discard([u1, pending, c1]) == 1  # only u1 was parked
    assert set(await states(store)) == {u2, c1, pending}
    assert await admin.discard([]) == 0
    assert await admin.retry() == 1
    assert {state for state, _ in (await states(store)).values()} == {PENDING}
