"""Envelope consumers that take a fetched batch at once: one dedup insert, one handler call.

A service whose effect has a bulk form (search: one Elasticsearch ``_bulk``) declares::

    @envelope_batch_subscriber(broker, topic_name("course", ns), group_id="search", service="search")
    async def on_course_events(envelopes: list[Envelope], index: FromDishka[IndexDocuments]) -> None:
        ...

The guarantees are those of ``envelope_subscriber`` (``consumer.py``), per record:

1. A record that is not an envelope goes to ``<topic>.dlq``; with ``event_types``, other events
   are ``ignored``.
2. One REQUEST scope and one transaction for the batch: its envelope ids go into
   ``processed_messages`` in one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` and the ids
   already there (or repeated within the batch) are duplicates; the handler gets the others,
   in the order they were fetched, and its commit commits the dedup rows with the effects.
   A dedup store without ``claim_many`` (MongoDB's) gets the batch record by record.
3. If the handler fails, the batch's transaction is rolled back and its records are handled
   again **one at a time**, each with ``RetryPolicy``'s attempts and backoff and then the DLQ,
   exactly as ``envelope_subscriber`` would (the handler is called with a one-envelope list):
   a bad record costs its own retries and lands in the DLQ, the rest of the batch goes on.
   An infrastructure failure (``RetryPolicy.redeliver_on``) rewinds every partition of the
   batch to its first unsettled record and redelivers after ``redelivery_delay``.
4. Offsets: the last settled offset of each partition goes to the lazy ``OffsetCommitter``,
   never past an unsettled record.

No ``from __future__ import annotations``: FastStream reads the wrapper's annotations.
"""

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from aiokafka import ConsumerRecord, TopicPartition
from dishka import AsyncContainer
from faststream._internal.context import ContextRepo
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.message import StreamMessage
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.messaging.consumer import (
    _CONTAINER_PARAM,
    CONTAINER_CONTEXT_KEY,
    DEAD_LETTERED,
    DUPLICATE,
    IGNORED,
    PROCESSED,
    RETRIED,
    BrokerParam,
    ConsumerSetupError,
    ContextParam,
    DedupFactory,
    Deduplicator,
    HandlerT,
    KafkaMessageParam,
    RetryPolicy,
    _EnvelopeConsumer,
    _Redeliver,
    _tracer,
    check_subscriber_options,
    envelope_decorator,
    sql_dedup,
)
from lms_platform.messaging.envelope import Envelope, EnvelopeDecodeError, decode_envelope
from lms_platform.messaging.headers import decode_headers
from lms_platform.messaging.offsets import CommitPolicy
from lms_platform.metrics import KAFKA_CONSUME_DURATION

__all__ = ["envelope_batch_subscriber"]

logger = logging.getLogger(__name__)

# How long a batch subscriber's poll waits when nothing is buffered. FastStream sleeps as long
# again after an empty poll, so this also bounds the extra delay of a record that arrives then.
DEFAULT_BATCH_TIMEOUT_MS = 100


def envelope_batch_subscriber(
    registrator: Any,
    topic: str,
    *,
    group_id: str,
    service: str,
    consumer: str | None = None,
    retry: RetryPolicy | None = None,
    dlq_topic: str | None = None,
    event_types: Collection[str] | None = None,
    idempotent: bool = True,
    container: AsyncContainer | None = None,
    session_type: Any = AsyncSession,
    dedup: DedupFactory | None = None,
    commit: CommitPolicy | None = None,
    max_records: int = 500,
    batch_timeout_ms: int = DEFAULT_BATCH_TIMEOUT_MS,
    **subscriber_options: Any,
) -> Callable[[HandlerT], HandlerT]:
    """Register ``handler(envelopes, *deps)`` on ``topic``: ``envelopes`` is a list of the new
    envelopes of one fetched batch (at most ``max_records``, possibly of several partitions, in
    order within each). Every other argument means what it means for ``envelope_subscriber``."""
    if max_records < 1:
        raise ValueError("max_records must be at least 1")
    policy, options = check_subscriber_options(retry, subscriber_options)
    batch = {"batch": True, "max_records": max_records, "batch_timeout_ms": batch_timeout_ms}
    if clash := batch.keys() & options.keys():
        raise TypeError(f"envelope_batch_subscriber sets {sorted(clash)} itself")
    return envelope_decorator(
        registrator, topic, _BatchEnvelopeConsumer, _tolerant_batch_parser, batch | options,
        group_id=group_id, service=service, consumer=consumer, retry=policy, dlq_topic=dlq_topic,
        event_types=event_types, idempotent=idempotent, container=container,
        dedup=dedup or sql_dedup(session_type), commit=commit,
    )  # fmt: skip


@dataclasses.dataclass(slots=True)
class _Item:
    record: ConsumerRecord[bytes, bytes]
    headers: dict[str, str]
    envelope: Envelope | None = None
    settled: bool = False


class _BatchEnvelopeConsumer(_EnvelopeConsumer):
    async def consume(
        self,
        body: Any,
        message: KafkaMessageParam,
        broker: BrokerParam,
        context: ContextParam,
    ) -> None:
        items = [_Item(record, decode_headers(record.headers)) for record in message.raw_message]
        topic = items[0].record.topic
        started = time.perf_counter()
        links = [
            Link(trace.get_current_span(propagate.extract(item.headers)).get_span_context())
            for item in items
        ]
        with _tracer.start_as_current_span(
            f"{topic} process",
            kind=SpanKind.CONSUMER,
            links=[link for link in links if link.context.is_valid],
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.operation.name": "process",
                "messaging.destination.name": topic,
                "messaging.batch.message_count": len(items),
                "messaging.consumer.group.name": self._group_id,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                await self._process_batch(items, message, broker, context, span)
            except Exception as failure:
                cause = (
                    (failure.__cause__ or failure) if isinstance(failure, _Redeliver) else failure
                )
                span.record_exception(cause)
                span.set_status(Status(StatusCode.ERROR, str(cause)))
                for item in items:
                    if not item.settled:
                        self._count(item.record.topic, RETRIED)
                await self._settle(message, items)  # what settled before the failure
                await self._rewind_batch(message, items, cause)
                raise cause from cause.__cause__
            share = (time.perf_counter() - started) / len(items)
            duration = KAFKA_CONSUME_DURATION.labels(
                service=self._service, topic=topic, consumer=self._consumer
            )
            for _ in items:
                duration.observe(share)  # the batch's time, shared by its records
            await self._settle(message, items)

    async def _process_batch(
        self,
        items: list[_Item],
        message: KafkaMessage,
        broker: KafkaBroker,
        context: ContextRepo,
        span: trace.Span,
    ) -> None:
        wanted: list[_Item] = []
        for item in items:
            try:
                item.envelope = decode_envelope(item.record.value)
            except EnvelopeDecodeError as exc:
                span.record_exception(exc)
                await self._dead_letter(item.record, item.headers, broker, exc, attempts=1)
                self._done(item, DEAD_LETTERED)
                continue
            if self._event_types is not None and item.envelope.type not in self._event_types:
                self._done(item, IGNORED)
            else:
                wanted.append(item)
        if not wanted:
            return
        container = self._container or context.get(CONTAINER_CONTEXT_KEY)
        if container is None:
            raise _Redeliver() from ConsumerSetupError(
                "no dishka container: call lms_platform.messaging.setup_dishka(container, broker)"
            )
        try:
            outcomes = await self._attempt_batch(wanted, container, message, context)
        except _OneAtATime:
            outcomes = None
        except Exception as exc:
            if self._retry.redeliver_on(exc):
                raise _Redeliver() from exc
            span.record_exception(exc)
            logger.warning(
                "%s failed on a batch of %d, handling its records one at a time: %r",
                self._consumer,
                len(wanted),
                exc,
            )
            outcomes = None
        if outcomes is not None:
            for item, outcome in zip(wanted, outcomes, strict=True):
                self._done(item, outcome)
            return
        for item in wanted:  # one at a time: each with its own retries, then the DLQ
            assert item.envelope is not None
            outcome = await self._deliver(
                item.record, item.headers, item.envelope, message, broker, context, span
            )
            self._done(item, outcome)

    async def _attempt_batch(
        self,
        items: list[_Item],
        container: AsyncContainer,
        message: KafkaMessage,
        context: ContextRepo,
    ) -> list[str]:
        """The batch in one transaction; each item's outcome. Raises ``_OneAtATime`` when the
        dedup store cannot claim a batch at once."""
        envelopes = [item.envelope for item in items if item.envelope is not None]
        scope_context = {StreamMessage: message, type(message): message, ContextRepo: context}
        async with container(scope_context) as request_container:
            dedup: Deduplicator | None = None
            try:
                fresh = [True] * len(envelopes)
                if self._idempotent:
                    dedup = await self._dedup(request_container)
                    claim_many = getattr(dedup, "claim_many", None)
                    if claim_many is None:
                        raise _OneAtATime()
                    new_ids = set(await claim_many(self._consumer, [e.id for e in envelopes]))
                    fresh = _first_of_each(envelopes, new_ids)
                chosen = [e for e, is_new in zip(envelopes, fresh, strict=True) if is_new]
                if chosen:
                    await self._call(chosen, request_container)
                if dedup is not None:
                    await (dedup.finish() if chosen else dedup.abandon())
            except BaseException:
                if dedup is not None:
                    with contextlib.suppress(Exception):
                        await dedup.abandon()
                raise
        return [PROCESSED if is_new else DUPLICATE for is_new in fresh]

    async def _call(self, envelopes: Any, request_container: AsyncContainer) -> None:
        batch = envelopes if isinstance(envelopes, list) else [envelopes]
        if self._inject:
            await self._injected(batch, **{_CONTAINER_PARAM.name: request_container})
        else:
            await self._handler(batch)

    def _done(self, item: _Item, outcome: str) -> None:
        item.settled = True
        self._count(item.record.topic, outcome)

    async def _settle(self, message: KafkaMessage, items: Sequence[_Item]) -> None:
        """Hand each partition's settled prefix to the committer."""
        for partition, prefix in _settled_prefixes(items).items():
            await self._committer.settled(
                message.consumer,
                partition,
                prefix[-1].record.offset,
                records=len(prefix),
            )

    async def _rewind_batch(
        self, message: KafkaMessage, items: Sequence[_Item], cause: BaseException
    ) -> None:
        firsts: dict[TopicPartition, int] = {}
        for item in items:
            partition = TopicPartition(item.record.topic, item.record.partition)
            if not item.settled and partition not in firsts:
                firsts[partition] = item.record.offset
        logger.error(
            "%s could not settle %s; it will be delivered again in %.1fs: %r",
            self._consumer,
            ", ".join(f"{tp.topic}[{tp.partition}]@{offset}" for tp, offset in firsts.items()),
            self._retry.redelivery_delay,
            cause,
        )
        for partition, offset in firsts.items():
            with contextlib.suppress(Exception):  # the partition may have been revoked
                message.consumer.seek(partition, offset)
        await asyncio.sleep(self._retry.redelivery_delay)


class _OneAtATime(Exception):
    """Internal: the dedup store has no batch claim; handle the records one by one."""


def _first_of_each(envelopes: Sequence[Envelope], new_ids: set[str]) -> list[bool]:
    """True for the first occurrence of each newly claimed id; repeats are duplicates."""
    seen: set[str] = set()
    fresh: list[bool] = []
    for envelope in envelopes:
        fresh.append(envelope.id in new_ids and envelope.id not in seen)
        seen.add(envelope.id)
    return fresh


def _settled_prefixes(items: Sequence[_Item]) -> dict[TopicPartition, list[_Item]]:
    prefixes: dict[TopicPartition, list[_Item]] = {}
    blocked: set[TopicPartition] = set()
    for item in items:
        partition = TopicPartition(item.record.topic, item.record.partition)
        if partition in blocked:
            continue
        if not item.settled:
            blocked.add(partition)
            continue
        prefixes.setdefault(partition, []).append(item)
    return prefixes


async def _tolerant_batch_parser(
    records: tuple[ConsumerRecord[bytes, bytes], ...],
    original: Callable[[tuple[ConsumerRecord[bytes, bytes], ...]], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    try:
        return await original(records)
    except UnicodeDecodeError:
        # As _tolerant_parser: replace undecodable header bytes rather than skip the batch.
        return await original(
            tuple(
                dataclasses.replace(
                    record,
                    headers=tuple(
                        (name, (value or b"").decode("utf-8", "replace").encode())
                        for name, value in record.headers
                    ),
                )
                for record in records
            )
        )
