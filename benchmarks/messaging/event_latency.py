"""How long an event takes from its commit to a consumer's handler, at a steady rate.

``benchmarks/messaging/run.sh`` (docs/benchmarks/messaging.md) starts PostgreSQL and the Tansu
Kafka API on loopback, as the devstack does, and runs the platform's whole path in two processes,
as two services would: in this one a transaction writes an outbox row and commits
(``OutboxWriter``, NOTIFY) and the ``OutboxRelay`` publishes it; in a child process an
``envelope_subscriber`` (idempotent: its ``processed_messages`` row is written in the handler's
transaction; offsets are committed lazily) receives it. For each consumer fetch wait it
measures commit → handler for every event, at ``--rate`` events per second for ``--seconds``,
split at the record's timestamp (set by the relay's producer as it sends) into commit → publish
and publish → handler, and prints percentiles. The consumer's output is read all along (its
FastStream access log goes to stdout; a full pipe would stop it).

Tansu answers a waiting fetch only when ``fetch_max_wait_ms`` expires, even when records have
arrived meanwhile, so the wait is a floor under the latency here; real Kafka answers as soon as
``fetch.min.bytes`` is there. Everything stops by itself.

No ``from __future__ import annotations``: dishka and FastStream read the handler's annotations.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from typing import Any

from dishka import make_async_container
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from lms_platform.messaging import (
    CATALOGUE,
    Envelope,
    OutboxMessage,
    OutboxRelay,
    OutboxWriter,
    ProcessedMessage,
    build_broker,
    ensure_topics,
    envelope_subscriber,
    new_envelope,
    setup_dishka,
    topic_name,
)
from lms_platform.messaging.consumer import DEFAULT_FETCH_MAX_WAIT_MS
from lms_platform.persistence import DatabaseProvider
from lms_platform.testing import consume_all
from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import KafkaServer, PostgresServer


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

    return {
        "count": len(ordered),
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


async def consume(dsn: str, bootstrap: str, namespace: str, fetch_max_wait_ms: int, expected: int) -> None:
    """The consumer process: an idempotent ``envelope_subscriber`` that notes when each event
    reached its handler, until ``expected`` events (after three warm-up ones) have; then it
    prints ``RECEIVED <json {id: unix time}>``."""
    engine = create_async_engine(to_asyncpg_sqlalchemy_url(dsn), pool_size=5)
    received: dict[str, float] = {}
    container = make_async_container(DatabaseProvider(engine))
    broker = build_broker(bootstrap, client_id=f"latency-consumer-{namespace}")

    @envelope_subscriber(
        broker,
        topic_name("user", namespace),
        group_id=f"latency-{namespace}",
        service="latency",
        fetch_max_wait_ms=fetch_max_wait_ms,
        session_timeout_ms=3000,
        heartbeat_interval_ms=1000,
    )
    async def on_event(envelope: Envelope) -> None:
        received.setdefault(envelope.id, time.time())

    setup_dishka(container, broker)
    await broker.start()
    print("CONSUMER_READY", flush=True)
    try:
        await _wait_for(lambda: len(received) >= expected, timeout=600)
    finally:
        await broker.stop()
        await container.close()
        await engine.dispose()
    print("RECEIVED " + json.dumps(received), flush=True)


async def measure(
    dsn: str, bootstrap: str, fetch_max_wait_ms: int, rate: float, seconds: float
) -> dict[str, Any]:
    """One fetch wait: the consumer in a process of its own (as another service would be), the
    writes and the relay in this one (as the publishing service runs them)."""
    namespace = f"lat{fetch_max_wait_ms}-{uuid.uuid4().hex[:6]}"
    topic = topic_name("user", namespace)
    await ensure_topics(bootstrap, [CATALOGUE["user"], CATALOGUE["user.dlq"]], namespace)
    count = int(rate * seconds)
    consumer = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.messaging.event_latency", "--consume", dsn, bootstrap,
        namespace, str(fetch_max_wait_ms), str(count + 3),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert consumer.stdout is not None
    early: list[bytes] = []  # what the consumer printed before it was ready (its logs)
    while b"CONSUMER_READY" not in (line := await asyncio.wait_for(consumer.stdout.readline(), 120)):
        if not line:
            raise RuntimeError(f"the consumer exited before it was ready: {b''.join(early)!r}")
        early.append(line)
    # Read the consumer's output all along: a full pipe would block the consumer in a write.
    reading = asyncio.create_task(consumer.stdout.read())
    engine = create_async_engine(to_asyncpg_sqlalchemy_url(dsn), pool_size=5)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    writer = OutboxWriter(namespace=namespace)
    committed: dict[str, float] = {}
    relay = OutboxRelay(engine, bootstrap, f"latency-{namespace}")
    await relay.start()
    try:
        await _publish(sessions, writer, topic, {}, count=3, rate=2)  # the group joins meanwhile
        await asyncio.sleep(3)
        lag = await _publish(sessions, writer, topic, committed, count=count, rate=rate)
        output = await asyncio.wait_for(reading, 600)
        await consumer.wait()
    finally:
        if consumer.returncode is None:
            consumer.kill()
        await relay.stop()
        await engine.dispose()
    last = next(line for line in output.decode().splitlines() if line.startswith("RECEIVED "))
    received: dict[str, float] = json.loads(last.removeprefix("RECEIVED "))
    published = await _publish_times(bootstrap, topic, expected=count + 3)
    ids = [i for i in committed if i in received]
    return {
        "fetch_max_wait_ms": fetch_max_wait_ms,
        "rate_per_s": rate,
        "events": len(committed),
        "lost": len(committed) - len(ids),
        "producer_behind_schedule_ms_max": round(lag * 1000, 1),
        "commit_to_handler_ms": percentiles([(received[i] - committed[i]) * 1000 for i in ids]),
        # The split, by the record's timestamp (set by the relay's producer as it sends).
        "commit_to_publish_ms": percentiles([(published[i] - committed[i]) * 1000 for i in ids]),
        "publish_to_handler_ms": percentiles([(received[i] - published[i]) * 1000 for i in ids]),
        "load_average": os.getloadavg()[0],
    }


async def _publish_times(bootstrap: str, topic: str, *, expected: int) -> dict[str, float]:
    """Event id -> the record's timestamp (CreateTime: the relay's producer, as it sends)."""
    records = await consume_all(bootstrap, topic, expected=expected, timeout=60)
    return {
        dict(record.headers)["ce_id"].decode(): record.timestamp / 1000 for record in records
    }


async def _publish(
    sessions: async_sessionmaker[AsyncSession],
    writer: OutboxWriter,
    topic: str,
    committed: dict[str, float],
    *,
    count: int,
    rate: float,
) -> float:
    """``count`` events, one transaction each, on a fixed schedule; returns the worst lag."""
    began = time.perf_counter()
    worst = 0.0
    for index in range(count):
        due = began + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        worst = max(worst, -delay)
        envelope = new_envelope("user.updated", "latency", str(uuid.uuid4()), "college", {"n": index})
        async with sessions() as session:
            await writer.add(session, envelope, "user")
            await session.commit()
        committed[envelope.id] = time.time()  # wall clock: the consumer is another process
    return worst


async def _wait_for(done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("events did not arrive in time")
        await asyncio.sleep(0.05)


async def _prepare(dsn: str) -> None:
    engine = create_async_engine(to_asyncpg_sqlalchemy_url(dsn))
    async with engine.begin() as connection:
        for table in (OutboxMessage.__table__, ProcessedMessage.__table__):
            await connection.run_sync(table.create)  # type: ignore[attr-defined]
        await connection.execute(text("SELECT 1"))
    await engine.dispose()


def main() -> int:
    if sys.argv[1:2] == ["--consume"]:
        dsn, bootstrap, namespace, wait, expected = sys.argv[2:7]
        asyncio.run(consume(dsn, bootstrap, namespace, int(wait), int(expected)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="events per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--fetch-waits",
        default=f"500,{DEFAULT_FETCH_MAX_WAIT_MS}",
        help="consumer fetch_max_wait_ms values to compare (aiokafka's default is 500)",
    )
    parser.add_argument("--rounds", type=int, default=2, help="passes over the fetch waits")
    args = parser.parse_args()
    waits = [int(w) for w in args.fetch_waits.split(",")]
    postgres, kafka = PostgresServer(), KafkaServer()
    postgres.start()
    kafka.start()
    results = []
    try:
        dsn = postgres.create_database("latency")
        asyncio.run(_prepare(dsn))
        for round_index in range(args.rounds):
            for wait in waits if round_index % 2 == 0 else list(reversed(waits)):
                result = asyncio.run(measure(dsn, kafka.bootstrap_servers, wait, args.rate, args.seconds))
                result["round"] = round_index + 1
                results.append(result)
                print("EVENT_LATENCY " + json.dumps(result), flush=True)
    finally:
        kafka.close()
        postgres.close()
    json.dump(results, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
