"""The outbox relay: publishes committed outbox rows to Kafka, in order per key, at least once.

How it keeps its promises:

* **Nothing lost.** A row is deleted only in the transaction that claimed it, after the broker
  acknowledged it (``acks=all``). A crash between the ack and the commit republishes the row;
  consumers deduplicate on the envelope id.
* **Order per key.** Rows are claimed in id order (``FOR UPDATE SKIP LOCKED``, so the claim never
  waits on a row some other transaction holds). Rows bound for one partition go out as one
  Kafka record batch, which the broker appends atomically, and further batches for that
  partition are sent only after the previous one was acknowledged; after a failure the rest of
  that partition's rows wait for the next cycle, where they are again the oldest rows. Without an
  idempotent producer (Tansu has none) this is what stops a retried batch from overtaking a later
  one. SKIP LOCKED alone would let two relay replicas publish consecutive events of one key in
  parallel, so each cycle also takes a transaction-scoped advisory lock: one replica publishes,
  the others stand by.
* **Broker outages.** Any failure (broker down, even at start-up; metadata timeouts; rejected
  batches) is recorded on the rows (``attempts``, ``last_error``), counted in
  ``outbox_publish_failures_total``, and retried with exponential backoff and jitter. The
  producer is rebuilt after repeated failures.
* **Low idle latency.** The writer NOTIFYs ``lms_outbox`` in the writing transaction; the relay
  LISTENs on one asyncpg connection and wakes on commit (milliseconds), with a slow poll as the
  safety net for a lost listener connection or a non-asyncpg engine. Polling alone would trade
  latency against a query every few milliseconds per service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from lms_platform.messaging.backoff import Backoff
from lms_platform.messaging.headers import TRACEPARENT, TRACESTATE, encode_headers
from lms_platform.messaging.models import OutboxMessage
from lms_platform.messaging.outbox import DEFAULT_NOTIFY_CHANNEL
from lms_platform.metrics import OUTBOX_PENDING, OUTBOX_PUBLISH_FAILURES, OUTBOX_PUBLISHED

__all__ = ["OutboxPublishError", "OutboxRelay"]

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("lms_platform.messaging")
_partitioner = DefaultPartitioner()

_LAST_ERROR_MAX_CHARS = 2000
_PENDING_GAUGE_INTERVAL = 1.0


class OutboxPublishError(RuntimeError):
    """Some claimed rows could not be published; they stay in the outbox and are retried."""


@dataclass(slots=True)
class _Row:
    id: int
    topic: str
    key: str
    headers: dict[str, str]
    payload: bytes


@dataclass(slots=True)
class _CycleResult:
    published: list[_Row] = field(default_factory=list)
    failed: list[_Row] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


class OutboxRelay:
    """Background publisher for one service's outbox table.

    ``start()`` launches the loop and returns at once (the broker may be down); ``stop()`` ends
    it cleanly. ``wait_until_empty()`` is for tests and the devstack.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap_servers: str,
        service_name: str,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        backoff: Backoff = Backoff(initial=0.2, maximum=30.0),  # - frozen value
        notify_channel: str | None = DEFAULT_NOTIFY_CHANNEL,
        enable_idempotence: bool = False,
        request_timeout_ms: int = 15_000,
        rebuild_producer_after: int = 3,
        producer_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``enable_idempotence`` should be on against real Kafka and off against Tansu, which
        lacks ``InitProducerId``. ``request_timeout_ms`` bounds how long one publish attempt can
        take during an outage. ``producer_options`` go to ``AIOKafkaProducer`` as they are."""
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._bootstrap_servers = bootstrap_servers
        self._service = service_name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._backoff = backoff
        self._notify_channel = notify_channel
        self._rebuild_producer_after = max(rebuild_producer_after, 1)
        self._producer_options: dict[str, Any] = {
            "client_id": f"{service_name}-outbox-relay",
            "acks": "all",
            "enable_idempotence": enable_idempotence,
            "request_timeout_ms": request_timeout_ms,
            "linger_ms": 0,
            **(producer_options or {}),
        }
        table = OutboxMessage.__table__
        # One publisher per outbox table at a time (see the module docstring).
        self._lock_id = zlib.crc32(f"lms-outbox-relay:{table.fullname}".encode())  # type: ignore[attr-defined]

        self._producer: AIOKafkaProducer | None = None
        self._listen_connection: AsyncConnection | None = None
        self._listener_driver: Any = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self._consecutive_failures = 0
        self._gauge_updated_at = 0.0
        self._pending_gauge = OUTBOX_PENDING.labels(service=service_name)
        self._failures_counter = OUTBOX_PUBLISH_FAILURES.labels(service=service_name)

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-outbox-relay")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish the cycle in flight (its rows are either published or left for later), then
        close the producer and the listener connection."""
        self._stopping.set()
        self._wakeup.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                # Cancelling rolls back the open claim; its rows are published by the next run.
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
        await self._close_listener()
        await self._close_producer()

    async def __aenter__(self) -> OutboxRelay:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def wake(self) -> None:
        """Look for work now instead of at the next notification or poll."""
        self._wakeup.set()

    async def pending_count(self) -> int:
        async with self._engine.connect() as connection:
            count = int(
                await connection.scalar(select(func.count()).select_from(OutboxMessage)) or 0
            )
        self._pending_gauge.set(count)
        self._gauge_updated_at = time.monotonic()
        return count

    async def wait_until_empty(self, timeout: float = 10.0, *, interval: float = 0.05) -> None:
        """Return once the outbox is empty; raise ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            self.wake()
            pending = await self.pending_count()
            if pending == 0:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{pending} outbox message(s) still pending after {timeout}s")
            await asyncio.sleep(interval)

    drain = wait_until_empty

    # --- the loop ------------------------------------------------------------------------------

    async def _run(self) -> None:
        logger.info("outbox relay for %s started", self._service)
        try:
            await self._loop()
        except asyncio.CancelledError:
            raise
        except BaseException:
            # Failures inside a cycle are retried; reaching this is a bug, so say so loudly.
            logger.critical("outbox relay for %s crashed", self._service, exc_info=True)
            raise
        logger.info("outbox relay for %s stopped", self._service)

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            await self._ensure_listener()
            try:
                claimed = await self.publish_pending()
            except Exception as exc:  # every failure is retried; nothing may kill the loop
                self._consecutive_failures += 1
                self._failures_counter.inc()
                delay = self._backoff.delay(self._consecutive_failures)
                logger.warning(
                    "outbox publish failed (%d in a row), retrying in %.2fs: %s",
                    self._consecutive_failures,
                    delay,
                    exc,
                    exc_info=self._consecutive_failures == 1,
                )
                if self._consecutive_failures % self._rebuild_producer_after == 0:
                    await self._close_producer()
                await self._sleep(delay)
                continue
            if self._consecutive_failures:
                logger.info(
                    "outbox relay recovered after %d failure(s)", self._consecutive_failures
                )
                self._consecutive_failures = 0
            await self._maybe_update_gauge()
            if claimed < self._batch_size:  # a full batch means more may be waiting: go again
                await self._wait_for_work()

    async def publish_pending(self) -> int:
        """One cycle: claim up to ``batch_size`` rows, publish them, delete what the broker
        acknowledged. Returns how many rows were claimed; raises ``OutboxPublishError`` (after
        recording the failure on the rows) if any could not be published."""
        producer = await self._ensure_producer()
        result = _CycleResult()
        async with self._sessions() as session, session.begin():
            if not await session.scalar(select(func.pg_try_advisory_xact_lock(self._lock_id))):
                return 0  # another replica is publishing
            rows = await self._claim(session)
            if not rows:
                return 0
            result = await self._publish(producer, rows)
            await self._record(session, result)
        for topic, count in _count_by_topic(result.published).items():
            OUTBOX_PUBLISHED.labels(service=self._service, topic=topic).inc(count)
        if result.failed:
            raise OutboxPublishError(
                f"{len(result.failed)} of {len(rows)} outbox message(s) not published: "
                f"{_describe(result.errors[0])}"
            ) from result.errors[0]
        return len(rows)

    async def _claim(self, session: AsyncSession) -> list[_Row]:
        statement = (
            select(
                OutboxMessage.id,
                OutboxMessage.topic,
                OutboxMessage.key,
                OutboxMessage.headers,
                OutboxMessage.payload,
            )
            .order_by(OutboxMessage.id)
            .limit(self._batch_size)
            .with_for_update(skip_locked=True)
        )
        return [_Row(*row) for row in (await session.execute(statement)).all()]

    async def _record(self, session: AsyncSession, result: _CycleResult) -> None:
        if result.published:
            await session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.id.in_([row.id for row in result.published])
                )
            )
        if result.failed:
            error = _describe(result.errors[0])[:_LAST_ERROR_MAX_CHARS]
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in result.failed]))
                .values(attempts=OutboxMessage.attempts + 1, last_error=error)
            )

    # --- publishing ----------------------------------------------------------------------------

    async def _publish(self, producer: AIOKafkaProducer, rows: Sequence[_Row]) -> _CycleResult:
        result = _CycleResult()
        by_partition: dict[tuple[str, int], list[_Row]] = defaultdict(list)
        for topic, topic_rows in _group_by_topic(rows).items():
            try:
                partitions = sorted(await producer.partitions_for(topic))
            except Exception as exc:  # broker unreachable or topic unknown
                result.failed.extend(topic_rows)
                result.errors.append(exc)
                continue
            for row in topic_rows:
                partition = _partitioner(row.key.encode(), partitions, partitions)
                by_partition[(topic, partition)].append(row)

        outcomes = await asyncio.gather(
            *(
                self._publish_partition(producer, topic, partition, partition_rows)
                for (topic, partition), partition_rows in by_partition.items()
            )
        )
        for outcome in outcomes:
            result.published.extend(outcome.published)
            result.failed.extend(outcome.failed)
            result.errors.extend(outcome.errors)
        return result

    async def _publish_partition(
        self, producer: AIOKafkaProducer, topic: str, partition: int, rows: list[_Row]
    ) -> _CycleResult:
        """Send ``rows`` (id order) as consecutive record batches, each after the previous one
        was acknowledged; stop at the first failure so nothing overtakes it."""
        result = _CycleResult()
        remaining = list(rows)
        carried: tuple[trace.Span, list[tuple[str, bytes]]] | None = None
        while remaining:
            batch = producer.create_batch()
            in_batch: list[tuple[_Row, trace.Span]] = []
            for row in remaining:
                span, headers = carried or self._start_publish_span(row, partition)
                carried = None
                appended = batch.append(
                    key=row.key.encode(), value=row.payload, timestamp=None, headers=headers
                )
                if appended is None:  # batch full: this row opens the next one
                    carried = (span, headers)
                    break
                in_batch.append((row, span))
            batch.close()
            try:
                delivery = await producer.send_batch(batch, topic, partition=partition)
                metadata = await delivery
            except Exception as exc:
                pending_spans = [span for _, span in in_batch] + ([carried[0]] if carried else [])
                for span in pending_spans:
                    span.record_exception(exc)
                    span.set_status(Status(StatusCode.ERROR, _describe(exc)))
                    span.end()
                result.failed.extend(remaining)
                result.errors.append(exc)
                return result
            for index, (row, span) in enumerate(in_batch):
                span.set_attribute("messaging.kafka.offset", metadata.offset + index)
                span.end()
                result.published.append(row)
            remaining = remaining[len(in_batch) :]
        return result

    def _start_publish_span(
        self, row: _Row, partition: int
    ) -> tuple[trace.Span, list[tuple[str, bytes]]]:
        """A PRODUCER span, child of the trace that wrote the event, whose context replaces the
        stored ``traceparent`` in the record headers so consumers continue this trace."""
        stored = dict(row.headers)
        origin = {name: stored.pop(name) for name in (TRACEPARENT, TRACESTATE) if name in stored}
        parent = propagate.extract(origin) if origin else None
        span = _tracer.start_span(
            f"{row.topic} publish",
            context=parent,
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "publish",
                "messaging.operation.name": "publish",
                "messaging.destination.name": row.topic,
                "messaging.destination.partition.id": str(partition),
                "messaging.kafka.message.key": row.key,
                "messaging.message.id": stored.get("ce_id", ""),
                "cloudevents.event_id": stored.get("ce_id", ""),
                "cloudevents.event_type": stored.get("ce_type", ""),
            },
        )
        propagate.inject(stored, context=trace.set_span_in_context(span))
        return span, encode_headers(stored)

    # --- producer and listener -----------------------------------------------------------------

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is not None:
            return self._producer
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap_servers, **self._producer_options
        )
        try:
            await producer.start()
        except BaseException:
            with contextlib.suppress(Exception):
                await producer.stop()
            raise
        self._producer = producer
        return producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            # Every batch we sent has completed by now, so there is nothing left to flush.
            await asyncio.wait_for(producer.stop(), 5.0)
        except Exception as exc:
            logger.debug("closing the outbox producer failed: %s", exc)

    async def _ensure_listener(self) -> None:
        if self._notify_channel is None:
            return
        driver = self._listener_driver
        if driver is not None and not driver.is_closed():
            return
        await self._close_listener()
        connection: AsyncConnection | None = None
        try:
            connection = await self._engine.connect()
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if driver is None or not hasattr(driver, "add_listener"):
                logger.warning("outbox relay: engine driver cannot LISTEN; polling instead")
                self._notify_channel = None
                await connection.close()
                return
            await driver.add_listener(self._notify_channel, self._on_notify)
        except Exception as exc:  # the database may be down too; polling covers the gap
            logger.debug("outbox relay: LISTEN failed, polling until it works: %s", exc)
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.invalidate()
                    await connection.close()
            return
        self._listen_connection = connection
        self._listener_driver = driver

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()

    async def _close_listener(self) -> None:
        connection, self._listen_connection = self._listen_connection, None
        driver, self._listener_driver = self._listener_driver, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            if driver is not None and not driver.is_closed() and self._notify_channel:
                await driver.remove_listener(self._notify_channel, self._on_notify)
        with contextlib.suppress(Exception):
            # Dropped rather than pooled: a pooled connection must not keep LISTEN state.
            await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), self._poll_interval)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _maybe_update_gauge(self) -> None:
        if time.monotonic() - self._gauge_updated_at < _PENDING_GAUGE_INTERVAL:
            return
        with contextlib.suppress(Exception):
            await self.pending_count()


def _group_by_topic(rows: Sequence[_Row]) -> dict[str, list[_Row]]:
    grouped: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        grouped[row.topic].append(row)
    return grouped


def _count_by_topic(rows: Sequence[_Row]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.topic] += 1
    return counts


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
