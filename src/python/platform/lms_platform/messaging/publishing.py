"""One relay cycle's sending: claimed rows to Kafka record batches, in order per partition.

Rows bound for one partition go out as consecutive record batches, each sent only after the
previous one was acknowledged; the broker appends a batch atomically. At the first failure the
partition stops: the failed batch's rows are reported with their error, and the rows after it
are released untried (they are claimed again next cycle, where the rows of other keys go on
and the rows of the failed key wait behind it). Without an idempotent producer (Tansu has none)
this is what stops a retried batch from overtaking a later one.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer, errors
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from lms_platform.messaging.failures import FailureKind, classify_failure
from lms_platform.messaging.headers import TRACEPARENT, TRACESTATE, encode_headers
from lms_platform.messaging.outbox_rows import ClaimedRow
from lms_platform.messaging.topic_metadata import fetch_topic_partitions, track_all_topics

__all__ = ["CycleResult", "FailedRow", "describe_error", "publish_rows"]

_tracer = trace.get_tracer("lms_platform.messaging")
_partitioner = DefaultPartitioner()

_Prepared = tuple[trace.Span, list[tuple[str, bytes]]]  # a row's publish span and record headers


@dataclass(frozen=True, slots=True)
class FailedRow:
    row: ClaimedRow
    error: BaseException
    kind: FailureKind


@dataclass(slots=True)
class CycleResult:
    published: list[ClaimedRow] = field(default_factory=list)
    failed: list[FailedRow] = field(default_factory=list)
    released: list[ClaimedRow] = field(default_factory=list)  # claimed, not tried: go again

    def fail(self, rows: Sequence[ClaimedRow], error: BaseException, kind: FailureKind) -> None:
        self.failed.extend(FailedRow(row, error, kind) for row in rows)

    def merge(self, other: CycleResult) -> None:
        self.published.extend(other.published)
        self.failed.extend(other.failed)
        self.released.extend(other.released)


def describe_error(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def publish_rows(
    producer: AIOKafkaProducer,
    rows: Sequence[ClaimedRow],
    *,
    max_record_bytes: int,
    metadata_timeout: float,
) -> CycleResult:
    """Send ``rows`` (id order); report what was acknowledged, what failed and why."""
    result = CycleResult()
    by_topic: dict[str, list[ClaimedRow]] = defaultdict(list)
    for row in rows:
        by_topic[row.topic].append(row)
    try:
        found = await fetch_topic_partitions(producer, by_topic, timeout=metadata_timeout)
    except Exception as exc:  # the broker cannot even be asked
        result.fail(rows, exc, classify_failure(exc))
        return result

    by_partition: dict[tuple[str, int], list[ClaimedRow]] = defaultdict(list)
    for topic, topic_rows in by_topic.items():
        partitions = found[topic]
        if isinstance(partitions, errors.KafkaError):
            result.fail(topic_rows, partitions, classify_failure(partitions))
            continue
        try:
            known = await _producer_partitions(producer, topic, partitions)
        except Exception as exc:
            result.fail(topic_rows, exc, classify_failure(exc))
            continue
        for row in topic_rows:
            partition = _partitioner(row.key.encode(), known, known)
            by_partition[(topic, partition)].append(row)

    sender = _PartitionSender(producer, max_record_bytes)
    outcomes = await asyncio.gather(
        *(
            sender.send(topic, partition, partition_rows)
            for (topic, partition), partition_rows in by_partition.items()
        )
    )
    for outcome in outcomes:
        result.merge(outcome)
    return result


async def _producer_partitions(
    producer: AIOKafkaProducer, topic: str, fresh: list[int]
) -> list[int]:
    """The partitions the producer routes by; refreshed if they differ from what the broker just
    said (a topic deleted and created again with another count)."""
    known = sorted(await producer.partitions_for(topic))
    if known != fresh:
        await producer.client.force_metadata_update()
        known = sorted(await producer.partitions_for(topic))
    track_all_topics(producer)  # partitions_for narrowed the producer's refreshes to named topics
    return known


class _PartitionSender:
    def __init__(self, producer: AIOKafkaProducer, max_record_bytes: int) -> None:
        self._producer = producer
        self._max_record_bytes = max_record_bytes

    async def send(self, topic: str, partition: int, rows: list[ClaimedRow]) -> CycleResult:
        """Send ``rows`` (id order) as consecutive batches, each after the previous one was
        acknowledged; stop at the first failure so nothing overtakes it."""
        result = CycleResult()
        remaining = list(rows)
        carried: _Prepared | None = None  # the first row of the next batch, its span begun
        while remaining:
            first = remaining[0]
            if (size := self._record_size(first)) > self._max_record_bytes:
                refused = errors.MessageSizeTooLargeError(
                    f"the record is {size} bytes, over the broker's limit of "
                    f"{self._max_record_bytes} (max.message.bytes)"
                )
                span = carried[0] if carried else self._start_span(first, partition)[0]
                _end_with_error(span, refused)
                result.fail([first], refused, FailureKind.UNACCEPTABLE)
                result.released.extend(remaining[1:])
                return result
            batch, in_batch, carried = self._fill_batch(remaining, partition, carried)
            try:
                delivery = await self._producer.send_batch(batch, topic, partition=partition)
                metadata = await delivery
            except Exception as exc:
                for _, span in in_batch:
                    _end_with_error(span, exc)
                if carried is not None:
                    _end_with_error(carried[0], exc)
                sent = [row for row, _ in in_batch]
                result.fail(sent, exc, classify_failure(exc, records_in_batch=len(sent)))
                result.released.extend(remaining[len(sent) :])
                return result
            for index, (row, span) in enumerate(in_batch):
                span.set_attribute("messaging.kafka.offset", metadata.offset + index)
                span.end()
                result.published.append(row)
            remaining = remaining[len(in_batch) :]
        return result

    def _fill_batch(
        self, rows: list[ClaimedRow], partition: int, carried: _Prepared | None
    ) -> tuple[Any, list[tuple[ClaimedRow, trace.Span]], _Prepared | None]:
        """A closed batch of the leading rows that fit. A row over the size limit ends it (it is
        refused on its own next); a row that does not fit is returned, span begun, for the next."""
        batch = self._producer.create_batch()
        in_batch: list[tuple[ClaimedRow, trace.Span]] = []
        for row in rows:
            if in_batch and self._record_size(row) > self._max_record_bytes:
                break
            span, headers = carried or self._start_span(row, partition)
            carried = None
            appended = batch.append(
                key=row.key.encode(), value=row.payload, timestamp=None, headers=headers
            )
            if appended is None:  # batch full: this row opens the next one
                carried = (span, headers)
                break
            in_batch.append((row, span))
        batch.close()
        return batch, in_batch, carried

    def _record_size(self, row: ClaimedRow) -> int:
        return int(
            DefaultRecordBatchBuilder.estimate_size_in_bytes(
                row.key.encode(), row.payload, encode_headers(row.headers)
            )
        )

    def _start_span(self, row: ClaimedRow, partition: int) -> _Prepared:
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


def _end_with_error(span: trace.Span, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, describe_error(exc)))
    span.end()
