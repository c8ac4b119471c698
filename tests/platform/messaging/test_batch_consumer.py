"""Batch envelope consumers against real Tansu and PostgreSQL: one dedup insert and one handler
call per fetched batch, with the per-record guarantees of ``envelope_subscriber`` (duplicates
skipped, a failing record retried alone and dead-lettered, infrastructure failures redelivered).

No ``from __future__ import annotations`` here: dishka reads the handlers' annotations.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from dishka import AsyncContainer, FromDishka, Provider, Scope, make_async_container
from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms_platform.messaging import (
    Envelope,
    ProcessedMessage,
    envelope_batch_subscriber,
    new_envelope,
)
from lms_platform.persistence import DatabaseProvider
from lms_platform.testing import consume_all
from tests.platform.messaging.account_stream import (
    FAST_RETRY,
    AccountStream,
    applied,
    consumed,
    offsets_are,
    registered,
    running,
)
from tests.platform.messaging.support import effect_count, effects, eventually, publish_envelope


class RecordEffects:
    """A bulk use case: applies a batch through the request's session and commits it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def __call__(self, envelopes: list[Envelope]) -> None:
        await self.session.execute(
            insert(effects), [{"event_id": e.id, "subject": e.subject} for e in envelopes]
        )
        await self.session.commit()


def make_container(engine: AsyncEngine) -> AsyncContainer:
    use_cases = Provider(scope=Scope.REQUEST)
    use_cases.provide(RecordEffects)
    return make_async_container(DatabaseProvider(engine), use_cases)


@pytest.fixture()
def dedup_inserts(engine: AsyncEngine) -> Iterator[list[str]]:
    """Each INSERT into processed_messages the engine sends to PostgreSQL."""
    statements: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO PROCESSED_MESSAGES"):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    yield statements
    event.remove(engine.sync_engine, "before_cursor_execute", note)


async def test_a_fetched_batch_takes_one_dedup_insert_and_one_handler_call(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
    dedup_inserts: list[str],
) -> None:
    topic, _, service, consumer = accounts.names()
    batches: list[list[str]] = []

    @accounts.subscribe(envelope_batch_subscriber, event_types={"account.registered"})
    async def on_accounts(envelopes: list[Envelope], record: FromDishka[RecordEffects]) -> None:
        batches.append([e.id for e in envelopes])
        await record(envelopes)

    sent = [registered(f"acc-batch-{n}") for n in range(40)]
    ends = {}
    for envelope in sent:
        metadata = await publish_envelope(producer, topic, envelope)
        ends[metadata.topic_partition] = metadata.offset + 1
    for envelope in sent[:3]:  # delivered again, e.g. a relay retry
        metadata = await publish_envelope(producer, topic, envelope)
        ends[metadata.topic_partition] = metadata.offset + 1
    unwanted = new_envelope("account.deactivated", "auth", "acc-batch-0", "college-1", {})
    metadata = await publish_envelope(producer, topic, unwanted)
    ends[metadata.topic_partition] = metadata.offset + 1

    async with running(accounts.broker, make_container(engine)):
        await eventually(
            lambda: offsets_are(kafka_bootstrap, service, ends),
            message="the batches were not all settled and committed",
        )

    applied = [event_id for batch in batches for event_id in batch]
    assert sorted(applied) == sorted(e.id for e in sent)  # each once, the repeats skipped
    assert len(batches) < 10  # 44 records came in a few fetches, not one call per record
    assert len(dedup_inserts) == len(batches)  # one dedup INSERT per handler call
    assert await effect_count(engine) == 40
    async with engine.connect() as connection:
        rows = (await connection.scalars(select(ProcessedMessage.message_id))).all()
    assert sorted(rows) == sorted(e.id for e in sent)
    assert consumed(service, topic, consumer, "processed") == 40
    assert consumed(service, topic, consumer, "duplicate") == 3
    assert consumed(service, topic, consumer, "ignored") == 1


async def test_a_bad_record_in_a_batch_is_retried_alone_and_dead_lettered_while_the_rest_apply(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, dlq, service, consumer = accounts.names()
    calls: list[list[str]] = []
    # One key, so one partition and this order: good, bad, undecodable, good.
    good = [registered("acc-one-key") for _ in range(2)]
    bad = registered("acc-one-key")

    @accounts.subscribe(envelope_batch_subscriber)
    async def on_accounts(envelopes: list[Envelope], record: FromDishka[RecordEffects]) -> None:
        calls.append([e.id for e in envelopes])
        if any(e.id == bad.id for e in envelopes):
            raise ValueError("roles must not be empty")
        await record(envelopes)

    await publish_envelope(producer, topic, good[0])
    bad_md = await publish_envelope(producer, topic, bad)
    await producer.send_and_wait(topic, b"{not json", key=b"acc-one-key")
    last = await publish_envelope(producer, topic, good[1])
    partition = last.topic_partition

    async with running(accounts.broker, make_container(engine)):
        await eventually(
            lambda: offsets_are(kafka_bootstrap, service, {partition: last.offset + 1}),
            message="the partition did not move past the bad record",
        )

    assert await effect_count(engine) == 2
    assert await effect_count(engine, good[0].id) == await effect_count(engine, good[1].id) == 1
    # The batch failed once, then its records went one at a time; the bad one used its retries.
    assert sum(1 for call in calls if call == [bad.id]) == FAST_RETRY.max_attempts
    dead = await consume_all(kafka_bootstrap, dlq, expected=2, linger=0.5)
    headers = [{k: v.decode() for k, v in record.headers} for record in dead]
    by_offset = {int(h["x-dlq-original-offset"]): h for h in headers}
    assert by_offset[bad_md.offset]["x-dlq-attempts"] == str(FAST_RETRY.max_attempts)
    assert by_offset[bad_md.offset]["x-dlq-error"] == "roles must not be empty"
    assert by_offset[bad_md.offset + 1]["x-dlq-attempts"] == "1"  # the undecodable one
    async with engine.connect() as connection:
        processed = (await connection.scalars(select(ProcessedMessage.message_id))).all()
    assert sorted(processed) == sorted(e.id for e in good)  # the failed attempts rolled back
    assert consumed(service, topic, consumer, "dead_lettered") == 2


async def test_an_infrastructure_failure_rewinds_the_batch_and_it_is_applied_once_later(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, dlq, _, _ = accounts.names()
    calls: list[int] = []

    @accounts.subscribe(envelope_batch_subscriber)
    async def on_accounts(envelopes: list[Envelope], record: FromDishka[RecordEffects]) -> None:
        calls.append(len(envelopes))
        if len(calls) <= 2:
            raise ConnectionRefusedError("search engine unreachable")
        await record(envelopes)

    sent = [registered(f"acc-infra-{n}") for n in range(6)]
    for envelope in sent:
        await publish_envelope(producer, topic, envelope)
    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: applied(engine, 6), message="the batch was not redelivered")
    assert len(calls) >= 3
    assert await consume_all(kafka_bootstrap, dlq, expected=0, linger=0.5) == []
    for envelope in sent:
        assert await effect_count(engine, envelope.id) == 1
