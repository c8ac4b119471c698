"""Envelope consumers against real Tansu and PostgreSQL: dedup, retry, DLQ, offsets.

No ``from __future__ import annotations`` here: dishka reads the handlers' annotations.
"""

from datetime import datetime
from typing import Any

import msgspec
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError
from dishka import FromDishka
from faststream import BaseMiddleware
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms_platform.messaging import (
    Backoff,
    Envelope,
    ProcessedMessage,
    RetryPolicy,
    build_broker,
    envelope_subscriber,
    new_envelope,
)
from lms_platform.messaging.headers import cloudevent_headers
from lms_platform.testing import consume_all
from tests.platform.messaging.account_stream import (
    FAST_RETRY,
    AccountRegistered,
    AccountStream,
    RecordEffect,
    committed_offsets,
    consumed,
    equals,
    make_container,
    offset_is,
    registered,
    running,
)
from tests.platform.messaging.support import (
    effect_count,
    effects,
    eventually,
    metric,
    publish_envelope,
)


async def test_a_duplicate_delivery_is_applied_once_and_unwanted_types_are_skipped(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, _, service, consumer = accounts.names()
    calls: list[str] = []

    @accounts.subscribe(event_types={"account.registered"})
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        calls.append(envelope.id)
        await record(envelope)

    envelope = registered("acc-dup")
    first = await publish_envelope(producer, topic, envelope)
    await publish_envelope(producer, topic, envelope)  # again, e.g. a relay retry
    unwanted = new_envelope("account.deactivated", "auth", "acc-dup", "college-1", {})
    third = await publish_envelope(producer, topic, unwanted)

    # auto_inject (for the service's plain FastStream handlers) must not disturb ours.
    async with running(accounts.broker, make_container(engine), auto_inject=True):

        async def both_settled() -> bool:
            return (
                consumed(service, topic, consumer, "processed") == 1
                and consumed(service, topic, consumer, "duplicate") == 1
                and consumed(service, topic, consumer, "ignored") == 1
            )

        await eventually(both_settled, message="the two deliveries were not both settled")
        await eventually(
            lambda: offset_is(kafka_bootstrap, service, first.topic_partition, third.offset + 1)
        )

    assert calls == [envelope.id]
    assert await effect_count(engine, envelope.id) == 1
    async with engine.connect() as connection:
        rows = (await connection.execute(select(ProcessedMessage.__table__))).all()
    assert [(row.consumer, row.message_id) for row in rows] == [(consumer, envelope.id)]
    assert isinstance(rows[0].processed_at, datetime)


async def test_a_transient_failure_succeeds_after_retries_each_in_a_fresh_transaction(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, dlq, service, consumer = accounts.names()
    sessions_seen: list[AsyncSession] = []  # kept alive, so distinct ids mean distinct sessions

    @accounts.subscribe()
    async def on_account(
        envelope: Envelope, session: FromDishka[AsyncSession], record: FromDishka[RecordEffect]
    ) -> None:
        sessions_seen.append(session)
        # A write that a failed attempt must not leave behind.
        await session.execute(insert(effects).values(event_id=envelope.id, subject="partial"))
        if len(sessions_seen) < 3:
            raise RuntimeError("profile store briefly unavailable")
        await record(envelope)

    envelope = registered("acc-flaky")
    await publish_envelope(producer, topic, envelope)
    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: equals(consumed(service, topic, consumer, "processed"), 1))

    assert len(sessions_seen) == 3
    assert len({id(s) for s in sessions_seen}) == 3
    assert consumed(service, topic, consumer, "retried") == 2
    async with engine.connect() as connection:
        subjects = (await connection.scalars(select(effects.c.subject))).all()
    assert sorted(subjects) == ["acc-flaky", "partial"]  # only the successful attempt's writes
    assert await consume_all(kafka_bootstrap, dlq, expected=0, linger=0.5) == []


async def test_poison_messages_land_on_the_dlq_with_error_headers_and_the_stream_moves_on(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, dlq, service, consumer = accounts.names()
    attempts: dict[str, int] = {}

    @accounts.subscribe()
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        attempts[envelope.subject] = attempts.get(envelope.subject, 0) + 1
        envelope.data_as(AccountRegistered)  # a schema mismatch is not worth retrying
        if envelope.subject == "acc-bad":
            raise ValueError("roles must not be empty")
        await record(envelope)

    # All on one key, so one partition, in this order.
    undecodable = await producer.send_and_wait(
        topic, b"{not json", key=b"acc-1", headers=[("origin", b"legacy")]
    )
    always_fails = registered("acc-bad")
    always_fails_md = await producer.send_and_wait(
        topic,
        msgspec.json.encode(always_fails),
        key=b"acc-1",
        headers=[(k, v.encode()) for k, v in cloudevent_headers(always_fails).items()],
    )
    wrong_schema = new_envelope("account.registered", "auth", "acc-schema", "c1", {"email": 1})
    wrong_schema_md = await producer.send_and_wait(
        topic, msgspec.json.encode(wrong_schema), key=b"acc-1"
    )
    good = registered("acc-good")
    good_md = await producer.send_and_wait(topic, msgspec.json.encode(good), key=b"acc-1")

    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: _effect_exists(engine, good.id), message="the stream stalled")
        await eventually(
            lambda: offset_is(kafka_bootstrap, service, good_md.topic_partition, good_md.offset + 1)
        )

    dead = await consume_all(kafka_bootstrap, dlq, expected=3, linger=0.5)
    assert len(dead) == 3
    by_offset = {int(_headers(r)["x-dlq-original-offset"]): r for r in dead}

    poison = by_offset[undecodable.offset]
    headers = _headers(poison)
    assert poison.value == b"{not json"
    assert poison.key == b"acc-1"
    assert headers["origin"] == "legacy"  # original headers travel along
    assert headers["x-dlq-error-type"] == "lms_platform.messaging.envelope.EnvelopeDecodeError"
    assert "not a valid event envelope" in headers["x-dlq-error"]
    assert headers["x-dlq-attempts"] == "1"
    _assert_origin(headers, topic, undecodable.partition, undecodable.offset, service)

    failing = by_offset[always_fails_md.offset]
    headers = _headers(failing)
    assert failing.value == msgspec.json.encode(always_fails)
    assert failing.key == b"acc-1"
    assert headers["x-dlq-error"] == "roles must not be empty"
    assert headers["x-dlq-error-type"] == "builtins.ValueError"
    assert headers["x-dlq-attempts"] == str(FAST_RETRY.max_attempts)
    assert headers["ce_id"] == always_fails.id
    assert headers["ce_type"] == "account.registered"
    _assert_origin(headers, topic, always_fails_md.partition, always_fails_md.offset, service)
    assert attempts["acc-bad"] == FAST_RETRY.max_attempts

    mismatch = _headers(by_offset[wrong_schema_md.offset])
    assert mismatch["x-dlq-error-type"] == "lms_platform.messaging.envelope.EnvelopeDecodeError"
    assert mismatch["x-dlq-attempts"] == "1"
    assert attempts["acc-schema"] == 1

    assert await effect_count(engine) == 1  # only the good message had an effect
    async with engine.connect() as connection:
        processed = (await connection.scalars(select(ProcessedMessage.message_id))).all()
    assert processed == [good.id]  # failed attempts rolled their dedup rows back
    assert consumed(service, topic, consumer, "dead_lettered") == 3
    assert metric("dlq_messages_total", service=service, topic=topic, consumer=consumer) == 3


class RefuseDeadLetters(BaseMiddleware):
    """Fault injection: the broker refuses every publish to a ``.dlq`` topic while ``down``."""

    down = True

    async def publish_scope(self, call_next: Any, cmd: Any) -> Any:
        if RefuseDeadLetters.down and cmd.destination.endswith(".dlq"):
            raise KafkaConnectionError("injected: dead-letter topic unavailable")
        return await call_next(cmd)


async def test_a_message_that_cannot_be_dead_lettered_is_not_committed_but_redelivered(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, dlq, service, _ = accounts.names()
    RefuseDeadLetters.down = True
    broker = accounts.new_broker(service, middlewares=[RefuseDeadLetters])
    calls: list[str] = []

    @accounts.subscribe(broker=broker)
    async def on_account(envelope: Envelope) -> None:
        calls.append(envelope.id)
        raise ValueError("always")

    envelope = registered("acc-stuck")
    metadata = await publish_envelope(producer, topic, envelope)
    async with running(broker, make_container(engine)):
        # Two full rounds of retries: the record came back after the failed dead-lettering.
        await eventually(lambda: _is_at_least(len(calls), 2 * FAST_RETRY.max_attempts))
        partition = metadata.topic_partition
        assert partition not in await committed_offsets(kafka_bootstrap, service, [partition])
        assert await consume_all(kafka_bootstrap, dlq, expected=0, linger=0.3) == []

        RefuseDeadLetters.down = False  # the DLQ is reachable again
        await eventually(
            lambda: offset_is(
                kafka_bootstrap, service, metadata.topic_partition, metadata.offset + 1
            )
        )
    [dead] = await consume_all(kafka_bootstrap, dlq, expected=1, linger=0.5)
    assert _headers(dead)["ce_id"] == envelope.id
    assert await effect_count(engine) == 0


async def test_an_infrastructure_error_is_redelivered_rather_than_dead_lettered(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, dlq, _, _ = accounts.names()
    calls: list[str] = []

    @accounts.subscribe()
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        calls.append(envelope.id)
        if len(calls) <= FAST_RETRY.max_attempts + 1:  # more failures than retries allow
            raise ConnectionRefusedError("search index unreachable")
        await record(envelope)

    envelope = registered("acc-infra")
    await publish_envelope(producer, topic, envelope)
    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: _effect_exists(engine, envelope.id))

    assert len(calls) == FAST_RETRY.max_attempts + 2
    assert await consume_all(kafka_bootstrap, dlq, expected=0, linger=0.5) == []


def test_retry_longer_than_the_poll_interval_is_refused() -> None:
    broker = build_broker("127.0.0.1:1", client_id="never-started")
    slow = RetryPolicy(max_attempts=10, backoff=Backoff(initial=60, maximum=60))
    with pytest.raises(ValueError, match="max_poll_interval_ms"):
        envelope_subscriber(broker, "account", group_id="g", service="s", retry=slow)


# --- helpers ---------------------------------------------------------------------------------


async def _is_at_least(value: float, expected: float) -> bool:
    return value >= expected


async def _effect_exists(engine: AsyncEngine, event_id: str) -> bool:
    return await effect_count(engine, event_id) == 1


def _headers(record: Any) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}


def _assert_origin(
    headers: dict[str, str], topic: str, partition: int, offset: int, group_id: str
) -> None:
    assert headers["x-dlq-original-topic"] == topic
    assert headers["x-dlq-original-partition"] == str(partition)
    assert headers["x-dlq-original-offset"] == str(offset)
    assert headers["x-dlq-consumer-group"] == group_id
    assert datetime.fromisoformat(headers["x-dlq-failed-at"]).tzinfo is not None
