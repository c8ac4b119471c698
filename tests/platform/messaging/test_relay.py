"""Outbox writer + relay against real PostgreSQL and the real Tansu broker."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from aiokafka import ConsumerRecord
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms_platform.messaging import (
    CATALOGUE,
    ENVELOPE_CONTENT_TYPE,
    Envelope,
    OutboxMessage,
    OutboxWriter,
    decode_envelope,
    encode_envelope,
    ensure_topics,
    new_envelope,
    topic_name,
)
from lms_platform.testing import KafkaServer, consume_all
from tests.platform.messaging.support import effects, eventually, make_relay, metric


async def write_events(
    sessions: async_sessionmaker[AsyncSession],
    writer: OutboxWriter,
    keys: list[str],
    *,
    rounds: int,
    start: int = 0,
) -> list[Envelope]:
    """One transaction per event, each with a state change beside it, keys interleaved."""
    written: list[Envelope] = []
    for sequence in range(start, start + rounds):
        for key in keys:
            envelope = new_envelope(
                "user.updated", "user", key, "college-1", {"sequence": sequence}
            )
            async with sessions() as session, session.begin():
                await session.execute(insert(effects).values(event_id=envelope.id, subject=key))
                await writer.add(session, envelope, "user")
            written.append(envelope)
    return written


def ids_by_key(envelopes: list[Envelope]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for envelope in envelopes:
        grouped[envelope.subject].append(envelope.id)
    return dict(grouped)


def decoded_by_key(records: list[ConsumerRecord[bytes, bytes]]) -> dict[str, list[str]]:
    # Records of one key share a partition; within it consume_all keeps offset order.
    return ids_by_key([decode_envelope(record.value) for record in records])


async def test_relay_publishes_the_full_envelope_keyed_with_headers(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
    spans: object,
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    envelope = new_envelope(
        "user.created",
        "user",
        "user-42",
        "college-7",
        {"display_name": "Ada", "locale": "en"},
        schemaversion=3,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    async with sessions() as session, session.begin():
        await session.execute(insert(effects).values(event_id=envelope.id, subject="user-42"))
        await writer.add(session, envelope, "user")
    async with sessions() as session, session.begin():
        rolled_back = new_envelope("user.created", "user", "user-43", "college-7", {})
        await writer.add(session, rolled_back, "user")
        await session.rollback()

    async with make_relay(engine, kafka_bootstrap, f"user-{unique}") as relay:
        await relay.wait_until_empty(timeout=15)

    topic = topic_name("user", kafka_namespace)
    [record] = await consume_all(kafka_bootstrap, topic, expected=1, timeout=10, linger=0.5)
    assert record.key == b"user-42"
    assert record.value == encode_envelope(envelope)  # byte for byte what was written
    published = decode_envelope(record.value)
    for field in Envelope.__struct_fields__:
        assert getattr(published, field) == getattr(envelope, field), field
    assert published.data_as(dict) == {"display_name": "Ada", "locale": "en"}

    headers = {name: value.decode() for name, value in record.headers}
    assert headers["content-type"] == ENVELOPE_CONTENT_TYPE
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == envelope.id
    assert headers["ce_type"] == "user.created"
    assert headers["ce_source"] == "user"
    assert headers["ce_subject"] == "user-42"
    assert headers["ce_tenant"] == "college-7"
    assert headers["ce_schemaversion"] == "3"
    assert headers["ce_time"] == envelope.time.isoformat()
    # The publish span's context, in the trace the envelope came from.
    version, trace_id, span_id, _ = headers["traceparent"].split("-")
    assert (version, trace_id) == ("00", "0af7651916cd43dd8448eb211c80319c")
    assert span_id != "b7ad6b7169203331"
    assert metric("outbox_published_total", service=f"user-{unique}", topic=topic) == 1
    assert metric("outbox_pending_messages", service=f"user-{unique}") == 0


async def test_broker_outage_while_writes_go_on_loses_nothing_and_keeps_key_order(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_server: KafkaServer,
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
) -> None:
    topic = topic_name("user", kafka_namespace)
    service = f"user-{unique}"
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    keys = ["user-a", "user-b", "user-c", "user-d"]
    relay = make_relay(engine, kafka_bootstrap, service, batch_size=5)
    await relay.start()
    try:
        before = await write_events(sessions, writer, keys, rounds=3)
        await relay.wait_until_empty(timeout=15)
        published_before = await consume_all(
            kafka_bootstrap, topic, expected=len(before), linger=0.3
        )
        assert decoded_by_key(published_before) == ids_by_key(before)

        # Tansu keeps topics in memory: a restart empties it, so what was published above is
        # gone; everything written from here on must arrive, once each, in order per key.
        await asyncio.to_thread(kafka_server.stop)
        failures_before = metric("outbox_publish_failures_total", service=service)
        during = await write_events(sessions, writer, keys, rounds=4, start=3)

        async def relay_failed_twice() -> bool:
            return metric("outbox_publish_failures_total", service=service) >= failures_before + 2

        await eventually(relay_failed_twice, message="the relay never tried the dead broker")
        assert await relay.pending_count() == len(during)
        async with engine.connect() as connection:
            attempts = await connection.scalar(select(func.max(OutboxMessage.attempts)))
            last_error = await connection.scalar(select(func.max(OutboxMessage.last_error)))
        assert attempts is not None
        assert attempts >= 1
        assert last_error

        await asyncio.to_thread(kafka_server.start)
        await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
        after = await write_events(sessions, writer, keys, rounds=2, start=7)
        await relay.wait_until_empty(timeout=30)
    finally:
        await relay.stop()

    expected = during + after
    records = await consume_all(
        kafka_bootstrap, topic, expected=len(expected), timeout=15, linger=1.0
    )
    assert len(records) == len(expected), "duplicates published"
    assert decoded_by_key(records) == ids_by_key(expected)
    for record in records:
        assert record.key == decode_envelope(record.value).subject.encode()


async def test_relay_started_while_the_broker_is_down_publishes_once_it_is_up(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_server: KafkaServer,
    kafka_namespace: str,
    unique: str,
) -> None:
    writer = OutboxWriter(namespace=kafka_namespace)
    await asyncio.to_thread(kafka_server.stop)
    written = await write_events(sessions, writer, ["user-x", "user-y"], rounds=3)
    relay = make_relay(engine, kafka_server.bootstrap_servers, f"user-{unique}")
    await relay.start()  # returns although no broker answers
    try:
        await asyncio.sleep(1.0)
        assert relay.running
        assert await relay.pending_count() == len(written)
        await asyncio.to_thread(kafka_server.start)
        await ensure_topics(kafka_server.bootstrap_servers, [CATALOGUE["user"]], kafka_namespace)
        await relay.wait_until_empty(timeout=30)
    finally:
        await relay.stop()
    records = await consume_all(
        kafka_server.bootstrap_servers, topic_name("user", kafka_namespace),
        expected=len(written), linger=0.5,
    )  # fmt: skip
    assert len(records) == len(written)
    assert decoded_by_key(records) == ids_by_key(written)


async def test_two_relay_replicas_publish_each_event_once_in_key_order(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    first = make_relay(engine, kafka_bootstrap, f"user-{unique}", batch_size=3)
    second = make_relay(engine, kafka_bootstrap, f"user-{unique}", batch_size=3)
    await first.start()
    await second.start()
    try:
        written = await write_events(sessions, writer, ["k1", "k2", "k3"], rounds=8)
        await first.wait_until_empty(timeout=20)
    finally:
        await first.stop()
        await second.stop()
    records = await consume_all(
        kafka_bootstrap, topic_name("user", kafka_namespace), expected=len(written), linger=1.0
    )
    assert len(records) == len(written)
    assert decoded_by_key(records) == ids_by_key(written)


async def test_notify_wakes_an_idle_relay_without_waiting_for_the_poll(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    # With a one-minute poll only LISTEN/NOTIFY can make this fast.
    async with make_relay(engine, kafka_bootstrap, f"user-{unique}", poll_interval=60) as relay:
        await relay.wait_until_empty(timeout=10)  # the relay has connected and gone idle
        await asyncio.sleep(0.3)
        started = time.monotonic()
        [envelope] = await write_events(sessions, writer, ["user-n"], rounds=1)
        [record] = await consume_all(
            kafka_bootstrap, topic_name("user", kafka_namespace), expected=1, timeout=10
        )
        latency = time.monotonic() - started
    assert decode_envelope(record.value).id == envelope.id
    assert latency < 3.0, f"idle relay took {latency:.2f}s to publish"


async def test_writer_stages_in_the_callers_transaction_and_never_commits(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    writer = OutboxWriter(namespace="ns.")
    envelope = new_envelope("user.deleted", "user", "user-9", "college-1", {})
    async with sessions() as session:
        await writer.add(session, envelope, "user", key="custom-key", headers={"x-origin": "test"})
        await session.flush()
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert (row.topic, row.key, row.event_type) == ("ns.user", "custom-key", "user.deleted")
        assert row.headers["x-origin"] == "test"
        assert row.headers["ce_id"] == envelope.id
        assert row.payload == encode_envelope(envelope)
        await session.rollback()
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(OutboxMessage)) == 0
