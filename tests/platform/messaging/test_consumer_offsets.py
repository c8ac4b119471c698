"""Lazy offset commits of envelope subscribers, against real Tansu and PostgreSQL: few commit
requests for many records, the last settled offset sent on stop, on revocation and when a
partition goes idle, and a crash that redelivers only what came after the last commit.

No ``from __future__ import annotations`` here: dishka reads the handlers' annotations.
"""

import asyncio
import os
import signal
import sys

from aiokafka import AIOKafkaProducer, TopicPartition
from dishka import FromDishka
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.messaging import CommitPolicy, Envelope
from tests.platform.messaging import crashing_consumer  # run in a process of its own
from tests.platform.messaging.account_stream import (
    AccountStream,
    RecordEffect,
    applied,
    committed_offsets,
    consumed,
    equals,
    make_container,
    offset_is,
    offsets_are,
    registered,
    running,
)
from tests.platform.messaging.support import effect_count, eventually, metric, publish_envelope

NEVER_BY_TIME = 600.0  # seconds: longer than any test, so only the count or an event commits


def commits(service: str, consumer: str) -> float:
    return metric("kafka_offset_commits_total", service=service, consumer=consumer)


async def test_many_records_take_few_commits_and_stopping_commits_the_rest(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, _, service, consumer = accounts.names()

    @accounts.subscribe(commit=CommitPolicy(every=25, interval=NEVER_BY_TIME))
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        await record(envelope)

    # One key, so one partition, offsets 0..59.
    for _ in range(60):
        metadata = await publish_envelope(producer, topic, registered("acc-one-key"))
    partition = metadata.topic_partition
    assert metadata.offset == 59

    async with running(accounts.broker, make_container(engine)):
        await eventually(lambda: applied(engine, 60), message="not all 60 applied")
        # After the 25th and the 50th record; the last ten wait for the count or the stop.
        assert await committed_offsets(kafka_bootstrap, service, [partition]) == {partition: 50}
        assert commits(service, consumer) == 2

    assert await committed_offsets(kafka_bootstrap, service, [partition]) == {partition: 60}
    assert commits(service, consumer) == 3
    assert consumed(service, topic, consumer, "processed") == 60


async def test_an_idle_partition_is_committed_after_the_interval(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, _, service, consumer = accounts.names()

    @accounts.subscribe(commit=CommitPolicy(every=1000, interval=0.3))
    async def on_account(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
        await record(envelope)

    for _ in range(5):
        metadata = await publish_envelope(producer, topic, registered("acc-one-key"))
    partition = metadata.topic_partition

    async with running(accounts.broker, make_container(engine)):
        await eventually(
            lambda: offset_is(kafka_bootstrap, service, partition, 5),
            message="the idle partition's offset was not committed while the consumer ran",
        )
        # One commit covers the records settled within the interval (two if they straddle it).
        assert 1 <= commits(service, consumer) <= 2


async def test_a_revoked_partition_has_its_settled_offset_committed(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, _, group, consumer = accounts.names()
    first = accounts.new_broker(f"{group}-a")
    second = accounts.new_broker(f"{group}-b")
    for broker, service in ((first, f"{group}-a"), (second, f"{group}-b")):
        accounts.subscribe(
            broker=broker, service=service, commit=CommitPolicy(every=1000, interval=NEVER_BY_TIME)
        )(_apply)

    ends: dict[TopicPartition, int] = {}
    for n in range(12):  # spread over the topic's partitions by key
        metadata = await publish_envelope(producer, topic, registered(f"acc-revoke-{n}"))
        ends[metadata.topic_partition] = metadata.offset + 1

    async with running(first, make_container(engine)):
        await eventually(lambda: applied(engine, 12), message="not all 12 applied")
        assert await committed_offsets(kafka_bootstrap, group, list(ends)) == {}  # all pending
        # A second member joins: the rebalance revokes the first one's partitions, which
        # commits their settled offsets (nothing else would: no count, no interval, no stop).
        async with running(second, make_container(engine)):
            await eventually(
                lambda: offsets_are(kafka_bootstrap, group, ends),
                message="the revoked partitions' offsets were not committed",
            )
    assert consumed(f"{group}-b", topic, consumer, "duplicate") == 0
    assert await effect_count(engine) == 12


async def test_after_a_crash_only_records_since_the_last_commit_come_again_as_duplicates(
    engine: AsyncEngine,
    postgres_dsn: str,
    kafka_bootstrap: str,
    producer: AIOKafkaProducer,
    accounts: AccountStream,
) -> None:
    topic, _, group, consumer = accounts.names()
    for _ in range(10):
        metadata = await publish_envelope(producer, topic, registered("acc-one-key"))
    partition = metadata.topic_partition

    # stderr is kept for a failure; stdout (the logs) is not needed.
    doomed = await asyncio.create_subprocess_exec(  # commits after every 4th record, never by time
        sys.executable, "-m", crashing_consumer.__name__,
        postgres_dsn, kafka_bootstrap, topic, group, consumer, "4",
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await eventually(lambda: applied(engine, 10), timeout=60)
    except AssertionError as timeout:
        if doomed.returncode is None:
            doomed.kill()
        _, errors = await doomed.communicate()
        raise AssertionError(f"the doomed consumer applied fewer: {errors[-2000:]!r}") from timeout
    doomed.send_signal(signal.SIGKILL)
    await doomed.wait()
    # Committed after records 4 and 8; records 8 and 9 were applied but not committed.
    assert await committed_offsets(kafka_bootstrap, group, [partition]) == {partition: 8}

    service = f"{group}-restarted"
    broker = accounts.new_broker(service)
    accounts.subscribe(broker=broker, service=service)(_apply)
    async with running(broker, make_container(engine)):
        await eventually(
            lambda: equals(consumed(service, topic, consumer, "duplicate"), 2),
            timeout=30,
            message="records 8 and 9 did not come again",
        )
        await eventually(lambda: offset_is(kafka_bootstrap, group, partition, 10))
    assert consumed(service, topic, consumer, "processed") == 0
    assert await effect_count(engine) == 10  # each applied once


# --- helpers ---------------------------------------------------------------------------------


async def _apply(envelope: Envelope, record: FromDishka[RecordEffect]) -> None:
    await record(envelope)
