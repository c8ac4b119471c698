"""The outbox never stalls, against the real Tansu broker and PostgreSQL: rows the broker will
not take are parked (after N attempts, or at once when they cannot succeed) while the rows of
other topics and keys go on, the order within a key is kept, and parked rows can be retried.

Tansu deletes topics (``DeleteTopics``), but recreates a topic on any metadata request that
names it with auto-creation allowed, which aiokafka's producer always sends; the relay asks
without auto-creation, so a deleted topic stays deleted (asserted below). Tansu enforces no
``max.message.bytes``: the record-size limit is the relay's own ``max_record_bytes``.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms_platform.messaging import (
    CATALOGUE,
    PARKED,
    PENDING,
    Backoff,
    Envelope,
    OutboxAdmin,
    OutboxMessage,
    OutboxWriter,
    decode_envelope,
    ensure_topics,
    new_envelope,
    topic_name,
)
from lms_platform.testing import KafkaServer, consume_all
from lms_platform.testing.kafka import fetch_topic_names
from tests.platform.messaging.support import delete_topics, eventually, make_relay, metric


async def write(
    sessions: async_sessionmaker[AsyncSession],
    writer: OutboxWriter,
    topic: str,
    keys: list[str],
    *,
    payload_bytes: int = 0,
    together: bool = False,
) -> list[Envelope]:
    """One event per key, in this order, each in its own transaction unless ``together``."""
    written = [
        new_envelope(f"{topic}.updated", "test", key, "college-1", {"padding": "x" * payload_bytes})
        for key in keys
    ]
    for batch in [written] if together else [[envelope] for envelope in written]:
        async with sessions() as session, session.begin():
            for envelope in batch:
                await writer.add(session, envelope, topic)
    return written


async def rows_of(engine: AsyncEngine, envelopes: list[Envelope]) -> list[OutboxMessage]:
    import uuid

    ids = [uuid.UUID(envelope.id) for envelope in envelopes]
    async with engine.connect() as connection:
        result = await connection.execute(
            select(OutboxMessage).where(OutboxMessage.event_id.in_(ids)).order_by(OutboxMessage.id)
        )
        return list(result.all())  # type: ignore[arg-type]


def ids_by_key(envelopes: list[Envelope]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for envelope in envelopes:
        grouped.setdefault(envelope.subject, []).append(envelope.id)
    return grouped


async def published(bootstrap: str, topic: str, expected: int) -> list[Envelope]:
    records = await consume_all(bootstrap, topic, expected=expected, timeout=15, linger=0.5)
    return [decode_envelope(record.value) for record in records]


async def test_a_deleted_topic_parks_after_n_attempts_while_another_topic_flows(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
) -> None:
    service = f"user-{unique}"
    gone, kept = topic_name("user", kafka_namespace), topic_name("course", kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    relay = make_relay(
        engine, kafka_bootstrap, service,
        max_attempts=4,
        retry_backoff=Backoff(initial=0.5, maximum=0.5, jitter=0.0),
        # Refresh the producer's metadata often: a refresh must not bring the topic back.
        producer_options={"metadata_max_age_ms": 1000},
    )  # fmt: skip
    await relay.start()
    try:
        # Created after the relay's producer started, so the producer tracks them by name.
        await ensure_topics(
            kafka_bootstrap, [CATALOGUE["user"], CATALOGUE["course"]], kafka_namespace
        )
        before = await write(sessions, writer, "user", ["u1", "u2"])
        await relay.wait_until_empty(timeout=15)

        await delete_topics(kafka_bootstrap, [gone])
        assert gone not in await fetch_topic_names(kafka_bootstrap)
        heads = await write(sessions, writer, "user", ["u1", "u2"], together=True)

        async def heads_failed_once() -> bool:
            return all(row.attempts >= 1 for row in await rows_of(engine, heads))

        await eventually(heads_failed_once, message="the relay never tried the deleted topic")
        flowing = await write(sessions, writer, "course", ["c1", "c2", "c1"])
        behind = await write(sessions, writer, "user", ["u2"])

        async def flowing_rows_published() -> bool:
            return not await rows_of(engine, flowing)

        await eventually(
            flowing_rows_published, message="course rows waited behind the stuck topic"
        )
        assert [row.state for row in await rows_of(engine, heads)] == [PENDING] * 2  # not yet

        async def heads_parked() -> bool:
            return all(row.state == PARKED for row in await rows_of(engine, heads))

        await eventually(heads_parked, timeout=20, message="rows of the deleted topic never parked")
        parked = await rows_of(engine, heads)
        assert [row.attempts for row in parked] == [4, 4]
        assert all("UnknownTopicOrPartitionError" in (row.last_error or "") for row in parked)
        # Rows of a parked key are held behind it, in order: one tried with it, one new.
        late = await write(sessions, writer, "user", ["u1"])
        more = await write(sessions, writer, "course", ["c2"])
        await eventually(lambda: _gone(engine, more), message="course stopped flowing")
        [held_behind], [held_late] = await rows_of(engine, behind), await rows_of(engine, late)
        assert held_behind.state == PENDING
        assert 1 <= held_behind.attempts < 4
        assert (held_late.state, held_late.attempts) == (PENDING, 0)
        await relay.pending_count()  # refresh the gauges now
        assert metric("outbox_parked_messages", service=service, topic=gone) == 2
        assert (
            metric("outbox_parked_total", service=service, topic=gone, reason="max_attempts") == 2
        )
        assert gone not in await fetch_topic_names(kafka_bootstrap), "the relay recreated the topic"

        listed = await OutboxAdmin(engine).list_parked()
        assert [(row.key, row.held) for row in listed] == [("u1", 1), ("u2", 1)]

        # The operator restores the topic and retries: everything arrives, in order per key.
        await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
        assert await OutboxAdmin(engine).retry() == 2
        await relay.wait_until_empty(timeout=15)
        await relay.pending_count()
        assert metric("outbox_parked_messages", service=service, topic=gone) == 0
    finally:
        await relay.stop()

    stuck = [*heads, *behind, *late]
    delivered = await published(kafka_bootstrap, gone, expected=len(stuck))
    assert ids_by_key(delivered) == ids_by_key(stuck)
    course = await published(kafka_bootstrap, kept, expected=len(flowing) + len(more))
    assert ids_by_key(course) == ids_by_key([*flowing, *more])
    assert len(before) == 2


async def _gone(engine: AsyncEngine, envelopes: list[Envelope]) -> bool:
    return not await rows_of(engine, envelopes)


async def test_a_record_over_the_size_limit_parks_at_once_and_holds_its_key(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
) -> None:
    service = f"user-{unique}"
    topic = topic_name("user", kafka_namespace)
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace, max_payload_bytes=1_000_000)
    first = await write(sessions, writer, "user", ["big", "other"])
    [too_large] = await write(sessions, writer, "user", ["big"], payload_bytes=30_000)
    after = await write(sessions, writer, "user", ["big", "other", "third"])

    async with make_relay(
        engine, kafka_bootstrap, service, max_record_bytes=20_000, max_attempts=10
    ) as relay:

        async def only_the_big_key_is_left() -> bool:
            rows = await rows_of(engine, [*first, too_large, *after])
            return [row.key for row in rows] == ["big", "big"]

        await eventually(only_the_big_key_is_left, message="rows of other keys did not flow")
        parked, held = await rows_of(engine, [too_large, after[0]])
        assert (parked.state, parked.attempts) == (PARKED, 1)  # no retry: it cannot succeed
        assert "MessageSizeTooLargeError" in (parked.last_error or "")
        assert (held.state, held.attempts) == (PENDING, 0)
        assert metric("outbox_parked_total", service=service, topic=topic, reason="rejected") == 1

        # Nothing can send it; the operator gives it up, and the key flows again.
        assert await OutboxAdmin(engine).discard([parked.id]) == 1
        await relay.wait_until_empty(timeout=15)

    delivered = await published(kafka_bootstrap, topic, expected=5)
    assert ids_by_key(delivered) == ids_by_key([*first, *after])


async def test_an_invalid_topic_is_refused_by_the_broker_and_parked_on_the_first_attempt(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    unique: str,
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    [refused] = await write(sessions, writer, "bad topic!", ["k"])  # Tansu: INVALID_TOPIC (17)
    [fine] = await write(sessions, writer, "user", ["k"])
    async with make_relay(engine, kafka_bootstrap, f"user-{unique}", max_attempts=10) as relay:
        await eventually(lambda: _gone(engine, [fine]), message="the valid topic's row waited")
        [row] = await rows_of(engine, [refused])
        assert (row.state, row.attempts) == (PARKED, 1)
        assert "InvalidTopicError" in (row.last_error or "")
        assert await relay.pending_count() == 0
    assert [
        e.id for e in await published(kafka_bootstrap, topic_name("user", kafka_namespace), 1)
    ] == [fine.id]


async def test_a_broker_outage_never_parks_rows_however_many_attempts_fail(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_server: KafkaServer,
    kafka_namespace: str,
    unique: str,
) -> None:
    await ensure_topics(kafka_server.bootstrap_servers, [CATALOGUE["user"]], kafka_namespace)
    writer = OutboxWriter(namespace=kafka_namespace)
    # Keep the producer (no rebuild), so that every cycle reaches the rows and records a failure.
    relay = make_relay(
        engine, kafka_server.bootstrap_servers, f"user-{unique}",
        max_attempts=2, rebuild_producer_after=1000,
    )  # fmt: skip
    await relay.start()
    try:
        warm_up = await write(sessions, writer, "user", ["a"])  # the producer is up first
        await relay.wait_until_empty(timeout=10)
        await asyncio.to_thread(kafka_server.disconnect)
        written = await write(sessions, writer, "user", ["a", "b", "a"])

        async def failed_past_the_limit() -> bool:
            return all(row.attempts > 4 for row in await rows_of(engine, written))

        await eventually(failed_past_the_limit, timeout=20, message="the relay stopped trying")
        assert {row.state for row in await rows_of(engine, written)} == {PENDING}
        await asyncio.to_thread(kafka_server.reconnect)
        await relay.wait_until_empty(timeout=30)
    finally:
        await relay.stop()
    delivered = await published(
        kafka_server.bootstrap_servers, topic_name("user", kafka_namespace), expected=4
    )
    assert ids_by_key(delivered) == ids_by_key([*warm_up, *written])


async def test_rows_written_directly_with_the_defaults_are_claimed(
    engine: AsyncEngine, kafka_bootstrap: str, kafka_namespace: str, unique: str
) -> None:
    """A row inserted without the new columns (an older writer) is pending and due."""
    import uuid

    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    envelope = new_envelope("user.updated", "test", "k", "college-1", {})
    from lms_platform.messaging import encode_envelope

    async with engine.begin() as connection:
        await connection.execute(
            insert(OutboxMessage.__table__).values(  # type: ignore[arg-type]
                event_id=uuid.UUID(envelope.id), event_type="user.updated",
                topic=topic_name("user", kafka_namespace), key="k", headers={},
                payload=encode_envelope(envelope),
            )
        )  # fmt: skip
    async with make_relay(engine, kafka_bootstrap, f"user-{unique}") as relay:
        await relay.wait_until_empty(timeout=10)
    [delivered] = await published(kafka_bootstrap, topic_name("user", kafka_namespace), 1)
    assert delivered.id == envelope.id
