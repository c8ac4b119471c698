"""The outbox relay: publishes committed outbox rows to Kafka, in order per key, at least once,
and never stalls on a row the broker will not take.

How it keeps its promises:

* **Nothing lost.** A row is deleted only in the transaction that claimed it, after the broker
  acknowledged it (``acks=all``). A crash between the ack and the commit republishes the row;
  consumers deduplicate on the envelope id. The relay never creates a topic
  (``topic_metadata.py``), so an event cannot vanish into a topic that was deleted and silently
  recreated.
* **Order per key.** Rows are claimed in id order, and a row whose key has an earlier row that
  is parked or waiting for its retry is not claimed (``outbox_rows.py``); per partition, batches
  go out one after another (``publishing.py``). One relay replica publishes at a time (the
  store's claim: an advisory lock on PostgreSQL, a lease on MongoDB), the others stand by.
* **No stall.** A failed row gets its own retry time (``next_attempt_at``), so the rows of other
  keys go on. What a failure means is decided by ``failures.py``: during a broker outage rows
  wait with the relay's backoff and never park; a row the broker answered with an error backs off
  on its own ``attempts`` and is *parked* after ``max_attempts``; a row that cannot succeed (too
  large, invalid topic, not authorised) is parked at once. Parked rows are counted in
  ``outbox_parked_messages`` and listed and retried with ``OutboxAdmin``.
* **Low idle latency.** The writer NOTIFYs ``lms_outbox`` in the writing transaction; the relay
  LISTENs and wakes on commit (on MongoDB: a change stream on the outbox), with a slow poll as
  the safety net.

The loop is ``BaseOutboxRelay``, over an ``OutboxStore`` (``outbox_store.py``): ``OutboxRelay``
is it on the ``outbox`` table (``sql_outbox_store.py``), ``lms_platform.mongo.MongoOutboxRelay``
on a MongoDB ``outbox`` collection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.messaging.backoff import Backoff
from lms_platform.messaging.failures import FailureKind
from lms_platform.messaging.outbox import DEFAULT_NOTIFY_CHANNEL
from lms_platform.messaging.outbox_rows import ClaimedRow, Retry
from lms_platform.messaging.outbox_store import OutboxStore
from lms_platform.messaging.publishing import (
    CycleResult,
    FailedRow,
    describe_error,
    publish_rows,
)
from lms_platform.messaging.sql_outbox_store import SqlOutboxStore
from lms_platform.metrics import (
    OUTBOX_PARKED,
    OUTBOX_PARKED_TOTAL,
    OUTBOX_PENDING,
    OUTBOX_PUBLISH_FAILURES,
    OUTBOX_PUBLISHED,
)

if TYPE_CHECKING:
    from lms_platform.config import ServiceSettings

__all__ = ["BaseOutboxRelay", "OutboxPublishError", "OutboxRelay"]

logger = logging.getLogger(__name__)

_LAST_ERROR_MAX_CHARS = 2000
_GAUGE_INTERVAL = 1.0


class OutboxPublishError(RuntimeError):
    """Some claimed rows could not be published; they are retried later or parked."""


class BaseOutboxRelay:
    """Background publisher for one service's outbox, whatever database holds it (the
    ``store``): ordering, publishing, retrying and parking are decided here, once.

    ``start()`` launches the loop and returns at once (the broker may be down); ``stop()`` ends
    it cleanly. ``wait_until_empty()`` is for tests and the devstack.
    """

    def __init__(
        self,
        store: OutboxStore,
        bootstrap_servers: str,
        service_name: str,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        backoff: Backoff = Backoff(initial=0.2, maximum=30.0),  # - frozen value
        retry_backoff: Backoff = Backoff(initial=0.25, maximum=300.0, jitter=0.2),  # - frozen
        max_attempts: int = 12,
        max_record_bytes: int = 1_048_576,
        enable_idempotence: bool = False,
        request_timeout_ms: int = 15_000,
        rebuild_producer_after: int = 3,
        producer_options: Mapping[str, Any] | None = None,
    ) -> None:
        """``backoff`` paces the relay through broker outages; ``retry_backoff`` spaces the
        attempts of one failing row, which parks after ``max_attempts``. ``max_record_bytes`` is
        the broker's ``max.message.bytes``: a bigger record is parked without being sent.
        ``enable_idempotence`` should be on against real Kafka and off against Tansu, which
        lacks ``InitProducerId``. ``request_timeout_ms`` bounds one publish attempt during an
        outage. ``producer_options`` go to ``AIOKafkaProducer`` as they are."""
        if batch_size < 1 or max_attempts < 1 or max_record_bytes < 1:
            raise ValueError("batch_size, max_attempts and max_record_bytes must be positive")
        self._store = store
        self._bootstrap_servers = bootstrap_servers
        self._service = service_name
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._backoff = backoff
        self._retry_backoff = retry_backoff
        self._max_attempts = max_attempts
        self._max_record_bytes = max_record_bytes
        self._metadata_timeout = request_timeout_ms / 1000
        self._rebuild_producer_after = max(rebuild_producer_after, 1)
        self._producer_options: dict[str, Any] = {
            "client_id": f"{service_name}-outbox-relay",
            "acks": "all",
            "enable_idempotence": enable_idempotence,
            "request_timeout_ms": request_timeout_ms,
            "linger_ms": 0,
            **(producer_options or {}),
        }

        self._producer: AIOKafkaProducer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._wakeup = asyncio.Event()
        self._consecutive_failures = 0  # cycles in a row that met an outage or failed outright
        self._next_retry_at: float | None = None  # monotonic time the earliest retry falls due
        self._gauges_updated_at = 0.0
        self._parked_topics: set[str] = set()
        self._pending_gauge = OUTBOX_PENDING.labels(service=service_name)
        self._failures_counter = OUTBOX_PUBLISH_FAILURES.labels(service=service_name)

    @classmethod
    def from_settings(cls, source: Any, settings: ServiceSettings, **overrides: Any) -> Self:
        """The relay a service runs, configured by its ``LMS_<SERVICE>_*`` settings."""
        options: dict[str, Any] = {
            "enable_idempotence": settings.kafka_enable_idempotence,
            "max_attempts": settings.outbox_max_attempts,
            "max_record_bytes": settings.outbox_max_record_bytes,
            "retry_backoff": Backoff(
                initial=min(0.25, settings.outbox_retry_max_seconds),
                maximum=settings.outbox_retry_max_seconds,
                jitter=0.2,
            ),
            **overrides,
        }
        return cls(source, settings.kafka_bootstrap_servers, settings.service_name, **options)

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def limits(self) -> dict[str, float]:
        """What bounds the relay's work, as configured (for logs and tests)."""
        return {
            "batch_size": self._batch_size,
            "max_attempts": self._max_attempts,
            "max_record_bytes": self._max_record_bytes,
            "retry_backoff_maximum": self._retry_backoff.maximum,
        }

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
        await self._store.close()
        await self._close_producer()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def wake(self) -> None:
        """Look for work now instead of at the next notification or poll."""
        self._wakeup.set()

    async def pending_count(self) -> int:
        """Rows still to publish (parked rows are not pending); updates the gauges."""
        pending = await self._store.count_pending()
        parked = await self._store.count_parked_by_topic()
        self._pending_gauge.set(pending)
        for topic in self._parked_topics - parked.keys():
            OUTBOX_PARKED.labels(service=self._service, topic=topic).set(0)
        for topic, count in parked.items():
            OUTBOX_PARKED.labels(service=self._service, topic=topic).set(count)
        self._parked_topics |= parked.keys()
        self._gauges_updated_at = time.monotonic()
        return pending

    async def wait_until_empty(self, timeout: float = 10.0, *, interval: float = 0.05) -> None:
        """Return once no row is pending; raise ``TimeoutError`` after ``timeout`` seconds."""
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
            await self._store.listen(self.wake)
            try:
                claimed, result = await self._cycle()
            except Exception as exc:  # nothing recorded on rows: no producer, no database
                self._failures_counter.inc()
                await self._after_outage(exc)
                continue
            if result.failed:
                self._failures_counter.inc()
                self._log_failures(claimed, result.failed)
            if not result.published and any(f.kind is FailureKind.OUTAGE for f in result.failed):
                await self._after_outage(None)  # the broker is away: every row would fail
                continue
            if self._consecutive_failures and result.published:
                logger.info(
                    "outbox relay recovered after %d failure(s)", self._consecutive_failures
                )
                self._consecutive_failures = 0
            await self._maybe_update_gauges()
            # A full batch means more may be waiting; released rows were never tried.
            if claimed < self._batch_size and not result.released:
                await self._wait_for_work()

    async def publish_pending(self) -> int:
        """One cycle: claim up to ``batch_size`` due rows, publish them, delete what the broker
        acknowledged and schedule or park what failed. Returns how many rows were claimed;
        raises ``OutboxPublishError`` (after recording the failures) if any row failed."""
        claimed, result = await self._cycle()
        if result.failed:
            first = result.failed[0].error
            raise OutboxPublishError(
                f"{len(result.failed)} of {claimed} outbox message(s) not published: "
                f"{describe_error(first)}"
            ) from first
        return claimed

    async def _cycle(self) -> tuple[int, CycleResult]:
        producer = await self._ensure_producer()
        result = CycleResult()
        async with self._store.claim(self._batch_size) as batch:
            if batch is None or not batch.rows:
                return 0, result  # nothing due, or another replica holds the outbox
            rows = batch.rows
            result = await publish_rows(
                producer,
                rows,
                max_record_bytes=self._max_record_bytes,
                metadata_timeout=self._metadata_timeout,
            )
            retries, parked = self._dispose(result.failed)
            await batch.settle(
                [row.id for row in result.published], retries, [retry for retry, _, _ in parked]
            )
        self._note_retries(retries)
        for topic, count in Counter(row.topic for row in result.published).items():
            OUTBOX_PUBLISHED.labels(service=self._service, topic=topic).inc(count)
        for retry, row, reason in parked:
            OUTBOX_PARKED_TOTAL.labels(service=self._service, topic=row.topic, reason=reason).inc()
            logger.error(
                "outbox row %s (topic %s, key %s) parked after %d attempt(s), %s: %s",
                row.id, row.topic, row.key, retry.attempts, reason, retry.error,
            )  # fmt: skip
        if parked:
            self._gauges_updated_at = 0.0  # show the parked rows at once
        return len(rows), result

    def _dispose(
        self, failed: list[FailedRow]
    ) -> tuple[list[Retry], list[tuple[Retry, ClaimedRow, str]]]:
        """Split failed rows into retries (with their delay) and rows to park (with the reason)."""
        retries: list[Retry] = []
        parked: list[tuple[Retry, ClaimedRow, str]] = []
        for failure in failed:
            attempts = failure.row.attempts + 1
            error = describe_error(failure.error)[:_LAST_ERROR_MAX_CHARS]
            reason = self._park_reason(failure.kind, attempts)
            if reason is not None:
                parked.append(
                    (Retry(failure.row.id, attempts, timedelta(0), error), failure.row, reason)
                )
            else:
                # An outage is the broker's fault: the row keeps the relay's short backoff.
                curve = self._backoff if failure.kind is FailureKind.OUTAGE else self._retry_backoff
                delay = timedelta(seconds=curve.delay(attempts))
                retries.append(Retry(failure.row.id, attempts, delay, error))
        return retries, parked

    def _park_reason(self, kind: FailureKind, attempts: int) -> str | None:
        if kind is FailureKind.UNACCEPTABLE:
            return "rejected"
        if kind is FailureKind.RETRYABLE and attempts >= self._max_attempts:
            return "max_attempts"
        return None

    def _note_retries(self, retries: list[Retry]) -> None:
        if not retries:
            return
        due = time.monotonic() + min(retry.delay for retry in retries).total_seconds()
        if self._next_retry_at is None or self._next_retry_at <= time.monotonic():
            self._next_retry_at = due
        else:
            self._next_retry_at = min(self._next_retry_at, due)

    async def _after_outage(self, exc: BaseException | None) -> None:
        """Back off the whole relay; ``exc`` is set when the cycle failed before reaching rows."""
        self._consecutive_failures += 1
        delay = self._backoff.delay(self._consecutive_failures)
        if exc is not None:
            logger.warning(
                "outbox relay cycle failed (%d in a row), retrying in %.2fs: %s",
                self._consecutive_failures, delay, exc,
                exc_info=self._consecutive_failures == 1,
            )  # fmt: skip
        if self._consecutive_failures % self._rebuild_producer_after == 0:
            await self._close_producer()
        await self._sleep(delay)

    def _log_failures(self, claimed: int, failed: list[FailedRow]) -> None:
        kinds = Counter(failure.kind.value for failure in failed)
        logger.warning(
            "outbox publish: %d of %d row(s) failed (%s), first: %s",
            len(failed), claimed, ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())),
            describe_error(failed[0].error),
        )  # fmt: skip

    # --- producer and waiting ------------------------------------------------------------------

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

    async def _wait_for_work(self) -> None:
        """Until a NOTIFY, the next row's retry time, or the poll interval, whichever is first."""
        timeout = self._poll_interval
        if self._next_retry_at is not None:
            until_retry = self._next_retry_at - time.monotonic()
            if until_retry > 0:
                timeout = min(timeout, until_retry)
            else:
                self._next_retry_at = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _maybe_update_gauges(self) -> None:
        if time.monotonic() - self._gauges_updated_at < _GAUGE_INTERVAL:
            return
        with contextlib.suppress(Exception):
            await self.pending_count()


class OutboxRelay(BaseOutboxRelay):
    """The relay of a service whose outbox is the ``outbox`` table of its PostgreSQL database
    (``SqlOutboxStore``): one relay per database publishes (an advisory lock), woken by the
    writer's NOTIFY on ``notify_channel``."""

    def __init__(
        self,
        engine: AsyncEngine,
        bootstrap_servers: str,
        service_name: str,
        *,
        notify_channel: str | None = DEFAULT_NOTIFY_CHANNEL,
        **options: Any,
    ) -> None:
        super().__init__(
            SqlOutboxStore(engine, notify_channel), bootstrap_servers, service_name, **options
        )
