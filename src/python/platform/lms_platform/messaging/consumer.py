"""Envelope consumers: idempotent, retried with backoff, dead-lettered, traced and measured.

A service declares one with ``envelope_subscriber``::

    @envelope_subscriber(broker, topic_name("account", ns), group_id="user", service="user")
    async def on_account_event(envelope: Envelope, create: FromDishka[CreateProfile]) -> None:
        ...

For every record, in order, on one partition at a time:

1. The value is decoded as an ``Envelope``; a record that is not one (a poison message) goes
   straight to ``<topic>.dlq``.
2. Each attempt opens a fresh dishka REQUEST scope, takes its ``AsyncSession`` and inserts
   ``(consumer, envelope.id)`` into ``processed_messages`` before calling the handler. The
   handler's use case commits that same session, so the record and the effects commit together.
   If the row already exists the message is a duplicate: acknowledged and skipped. Where the
   dedup record lives is a port (``Deduplicator``): PostgreSQL by default, MongoDB with
   ``dedup=lms_platform.persistence.mongo.mongo_dedup``.
3. A handler exception rolls the attempt back and retries, up to ``RetryPolicy.max_attempts``
   attempts with exponential backoff, sleeping in-process: the partition waits, so later events
   of the same aggregate never overtake a failing one. Then the record goes to ``<topic>.dlq``
   with ``x-dlq-*`` headers, plus the original key and headers.
4. A record is *settled* by success, duplicate, ``ignored`` or dead-lettering; its offset is
   committed only after that, never before (``AckPolicy.MANUAL``; FastStream's Kafka default
   acks first, at most once). Commits are lazy (``offsets.py``, ``CommitPolicy``): the last
   settled offset per partition goes out every ``every`` settled records or ``interval``
   seconds after the first unsent one (so also when the partition goes idle), when a rebalance
   revokes the partition and when the subscriber stops. Records are handled one at a time, so
   a committed offset never passes an unsettled record; a crash redelivers at most the records
   since the last commit, and step 2 makes them duplicates. When the record cannot be settled
   (the DLQ publish fails, or the failure is our own infrastructure, e.g. the database is
   unreachable, which says nothing about the message) the consumer seeks back to the record,
   logs an error and sleeps before it is delivered again, so a failure neither skips the record
   nor spins in a hot re-seek loop (faststream#1721).
"""

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from inspect import Parameter
from typing import Annotated, Any, Protocol, TypeVar

from aiokafka import ConsumerRecord, TopicPartition
from dishka import AsyncContainer
from dishka.integrations.base import wrap_injection
from faststream._internal.context import Context as ContextField  # the class behind Context()
from faststream._internal.context import ContextRepo  # the class; dishka keys on it
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.messaging.backoff import Backoff
from lms_platform.messaging.envelope import Envelope, EnvelopeDecodeError, decode_envelope
from lms_platform.messaging.headers import (
    DLQ_ATTEMPTS,
    DLQ_CONSUMER_GROUP,
    DLQ_ERROR,
    DLQ_ERROR_TYPE,
    DLQ_FAILED_AT,
    DLQ_ORIGINAL_OFFSET,
    DLQ_ORIGINAL_PARTITION,
    DLQ_ORIGINAL_TOPIC,
    decode_headers,
)
from lms_platform.messaging.models import ProcessedMessage
from lms_platform.messaging.offsets import CommitPolicy, OffsetCommitter
from lms_platform.messaging.topics import dlq_topic_name
from lms_platform.metrics import DLQ_MESSAGES, KAFKA_CONSUME_DURATION, KAFKA_MESSAGES_CONSUMED

__all__ = [
    "CONTAINER_CONTEXT_KEY",
    "CommitPolicy",
    "ConsumerSetupError",
    "DeadLetterPublishError",
    "DedupFactory",
    "Deduplicator",
    "SqlDeduplicator",
    "RetryPolicy",
    "envelope_subscriber",
    "is_infrastructure_error",
    "register_infrastructure_errors",
    "sql_dedup",
]

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer("lms_platform.messaging")

HandlerT = TypeVar("HandlerT", bound=Callable[..., Awaitable[None]])

# Where ``setup_dishka`` leaves the app container for subscribers declared before it existed.
CONTAINER_CONTEXT_KEY = "lms_dishka_container"

_ERROR_HEADER_MAX_CHARS = 4000
_CONTAINER_PARAM = Parameter(
    "lms_request_container__", kind=Parameter.KEYWORD_ONLY, annotation=AsyncContainer
)

# Outcomes, the ``outcome`` label of kafka_messages_consumed_total.
PROCESSED = "processed"
DUPLICATE = "duplicate"
RETRIED = "retried"
DEAD_LETTERED = "dead_lettered"
IGNORED = "ignored"  # an event type the handler did not ask for


class ConsumerSetupError(RuntimeError):
    """The subscriber cannot run (no dishka container); messages are held, not dead-lettered."""


class DeadLetterPublishError(RuntimeError):
    """Even the dead-letter topic refused the record; its offset is not committed."""


_INFRASTRUCTURE: tuple[type[BaseException], ...] = (
    OSError,
    InterfaceError,
    PoolTimeoutError,
    ConsumerSetupError,
)


def register_infrastructure_errors(*error_types: type[BaseException]) -> None:
    """Count ``error_types`` as plumbing failures too: a store's adapter (MongoDB's connection
    failures) registers them, so this module needs no client library of every database."""
    global _INFRASTRUCTURE
    _INFRASTRUCTURE = (*_INFRASTRUCTURE, *(t for t in error_types if t not in _INFRASTRUCTURE))


def is_infrastructure_error(exc: BaseException) -> bool:
    """True when the failure is our own plumbing (network, database connection, pool) rather
    than the message: such a message is redelivered until the plumbing works, never
    dead-lettered, since dead-lettering a whole stream during a database restart helps no one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _INFRASTRUCTURE):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """``max_attempts`` counts the first delivery (3 = the first try and two retries).

    ``dead_letter_immediately`` lists exceptions no retry can fix (an envelope whose ``data``
    does not match the consumer's schema). ``redeliver_on`` picks failures that must not be
    dead-lettered at all (see ``is_infrastructure_error``); they are redelivered after
    ``redelivery_delay`` seconds, as is a record whose dead-lettering failed.
    """

    max_attempts: int = 5
    backoff: Backoff = Backoff(initial=0.2, maximum=10.0)  # noqa: RUF009 - frozen value
    dead_letter_immediately: tuple[type[BaseException], ...] = (EnvelopeDecodeError,)
    redeliver_on: Callable[[BaseException], bool] = is_infrastructure_error
    redelivery_delay: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


class _Redeliver(Exception):
    """Internal: leave the record uncommitted, rewind to it and let it come again."""


# How long the broker may hold a fetch that finds no new record. Kafka answers as soon as a
# record arrives; Tansu (the devstack's broker) only when the wait expires, so the wait is the
# floor of an event's latency there. aiokafka's 500 ms gave a p99 of ~500 ms; at 50 ms an event
# reaches its consumer with a p99 well under 200 ms at 100 events/s (docs/benchmarks/messaging.md),
# for ~20 empty fetches a second per idle consumer.
DEFAULT_FETCH_MAX_WAIT_MS = 50


class Deduplicator(Protocol):
    """The consumer's record of what it applied, kept in the transaction of the effects."""

    async def claim(self, consumer: str, message_id: str) -> bool:
        """Record ``message_id`` in the current transaction; False if it was applied before."""
        ...

    async def finish(self) -> None:
        """Commit the record if the handler did not commit it with its effects."""
        ...

    async def abandon(self) -> None:
        """Roll back (a duplicate, or a failed attempt)."""
        ...


DedupFactory = Callable[[AsyncContainer], Awaitable[Deduplicator]]


class SqlDeduplicator:
    """``processed_messages`` in the service's PostgreSQL, on its REQUEST-scoped session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, consumer: str, message_id: str) -> bool:
        return await _record_processed(self._session, consumer, message_id)

    async def claim_many(self, consumer: str, message_ids: Collection[str]) -> set[str]:
        """``claim`` for a batch (``batch_consumer.py``), in one ``INSERT``: the ids that were new."""
        if not message_ids:
            return set()
        statement = (
            pg_insert(ProcessedMessage)
            .values([{"consumer": consumer, "message_id": i} for i in dict.fromkeys(message_ids)])
            .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
            .returning(ProcessedMessage.message_id)
        )
        return set((await self._session.scalars(statement)).all())

    async def finish(self) -> None:
        if self._session.in_transaction():
            await self._session.commit()

    async def abandon(self) -> None:
        await self._session.rollback()


def sql_dedup(session_type: Any = AsyncSession) -> DedupFactory:
    async def factory(container: AsyncContainer) -> Deduplicator:
        return SqlDeduplicator(await container.get(session_type))

    return factory


class _LoopContext(ContextField):
    """FastStream's ``Context`` field, resolved in the event loop. fast_depends runs a field's
    synchronous ``use`` in a worker thread (``anyio.to_thread``): three thread hops per record,
    a quarter of a consumer's CPU in a profile (docs/benchmarks/messaging.md)."""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().use(**kwargs)


KafkaMessageParam = Annotated[KafkaMessage, _LoopContext("message")]
BrokerParam = Annotated[KafkaBroker, _LoopContext("broker")]
ContextParam = Annotated[ContextRepo, _LoopContext("context")]


def envelope_subscriber(
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
    **subscriber_options: Any,
) -> Callable[[HandlerT], HandlerT]:
    """Register ``handler(envelope, *deps)`` on ``topic`` of ``registrator`` (a ``KafkaBroker``
    or ``KafkaRouter``); ``FromDishka[...]`` parameters are injected from a REQUEST scope opened
    per attempt.

    ``topic`` is the physical name (apply ``topic_name(base, namespace)`` first). ``consumer``
    names the handler in ``processed_messages`` and metrics (default ``"<group_id>.<handler>"``);
    keep it stable, since renaming it forgets what was processed. ``dlq_topic`` defaults to
    ``<record topic>.dlq``. With ``event_types`` (e.g. ``{"account.registered"}``) other events
    on the topic are acknowledged without opening a transaction (outcome ``ignored``).
    ``idempotent=False`` skips ``processed_messages`` for a handler with no database that is
    idempotent by itself. ``container`` defaults to the one ``setup_dishka``
    registered on the broker; ``session_type`` is the key the service provides its REQUEST-scoped
    session under; ``dedup`` replaces that session as the place of the dedup record (a service
    on MongoDB passes ``lms_platform.persistence.mongo.mongo_dedup()``). ``commit`` says how
    lazily settled offsets are committed (``CommitPolicy()``: every 100 records or 0.2 s).
    Other keyword arguments go to ``registrator.subscriber`` (for example
    ``session_timeout_ms``; a ``listener`` is called after the revoked offsets are committed);
    ``auto_offset_reset`` defaults to ``"earliest"`` so a new consumer group starts from the
    oldest retained event rather than skipping the backlog, and ``fetch_max_wait_ms`` to
    ``DEFAULT_FETCH_MAX_WAIT_MS``.
    """
    policy, options = check_subscriber_options(retry, subscriber_options)
    return envelope_decorator(
        registrator, topic, _EnvelopeConsumer, _tolerant_parser, options,
        group_id=group_id, service=service, consumer=consumer, retry=policy, dlq_topic=dlq_topic,
        event_types=event_types, idempotent=idempotent, container=container,
        dedup=dedup or sql_dedup(session_type), commit=commit,
    )  # fmt: skip


def envelope_decorator(
    registrator: Any,
    topic: str,
    processor: "type[_EnvelopeConsumer]",
    parser: Callable[..., Any],
    options: dict[str, Any],
    *,
    group_id: str,
    service: str,
    consumer: str | None,
    commit: CommitPolicy | None,
    event_types: Collection[str] | None,
    **processor_options: Any,
) -> Callable[[HandlerT], HandlerT]:
    """The decorator both ``envelope_subscriber`` and ``envelope_batch_subscriber`` return: it
    subscribes a ``processor`` of the handler to ``topic`` with manual acks, ``parser``, the
    handler's name in AsyncAPI and a lazy ``OffsetCommitter`` (its rebalance listener, and its
    last commit when the subscriber stops). ``options`` go to ``registrator.subscriber``;
    ``processor_options`` (retry, dlq_topic, idempotent, container, dedup) to ``processor``."""

    def decorator(handler: HandlerT) -> HandlerT:
        name = consumer or f"{group_id}.{handler.__name__}"
        committer = OffsetCommitter(commit or CommitPolicy(), service=service, consumer=name)
        consume = processor(
            handler,
            group_id=group_id,
            service=service,
            consumer=name,
            committer=committer,
            event_types=frozenset(event_types) if event_types is not None else None,
            **processor_options,
        ).consume
        # AsyncAPI names the operation after the handler (not our generic wrapper).
        documentation = {"title": f"{topic}:{handler.__name__}", "description": handler.__doc__}
        listener = committer.listener(options.pop("listener", None))
        subscriber = registrator.subscriber(
            topic,
            group_id=group_id,
            ack_policy=AckPolicy.MANUAL,
            listener=listener,
            **(documentation | options),
        )
        subscriber(consume, parser=parser, decoder=_raw_body)
        # The last offsets go out while the client still runs (the broker stops its subscribers).
        subscriber.stop = committer.wrap_stop(subscriber.stop)
        return handler

    return decorator


def check_subscriber_options(
    retry: RetryPolicy | None, subscriber_options: dict[str, Any]
) -> tuple[RetryPolicy, dict[str, Any]]:
    """The retry policy, and the options for ``registrator.subscriber`` with our defaults;
    refuses what would break the guarantees."""
    if "ack_policy" in subscriber_options:
        raise ValueError("envelope subscribers commit offsets themselves; do not pass ack_policy")
    if subscriber_options.get("max_workers", 1) not in (None, 1):
        raise ValueError("envelope subscribers handle one record at a time per subscriber")
    policy = retry or RetryPolicy()
    max_poll_interval_s = subscriber_options.get("max_poll_interval_ms", 300_000) / 1000
    if policy.backoff.total(policy.max_attempts - 1) > max_poll_interval_s / 2:
        # Retries sleep inside the poll loop; past max_poll_interval the group evicts us.
        raise ValueError("retry backoff too long for max_poll_interval_ms")
    options = {
        "auto_offset_reset": "earliest",
        "fetch_max_wait_ms": DEFAULT_FETCH_MAX_WAIT_MS,
        **subscriber_options,
    }
    return policy, options


class _EnvelopeConsumer:
    def __init__(
        self,
        handler: Callable[..., Awaitable[None]],
        *,
        group_id: str,
        service: str,
        consumer: str,
        committer: OffsetCommitter,
        retry: RetryPolicy,
        dlq_topic: str | None,
        event_types: frozenset[str] | None,
        idempotent: bool,
        container: AsyncContainer | None,
        dedup: DedupFactory,
    ) -> None:
        self._handler = handler
        self._injected = wrap_injection(
            func=handler,
            container_getter=lambda _, kwargs: kwargs[_CONTAINER_PARAM.name],
            is_async=True,
            additional_params=[_CONTAINER_PARAM],
        )
        # wrap_injection returns the handler itself when it has no FromDishka parameters.
        self._inject = self._injected is not handler
        self._group_id = group_id
        self._service = service
        self._consumer = consumer
        self._committer = committer
        self._retry = retry
        self._dlq_topic = dlq_topic
        self._event_types = event_types
        self._idempotent = idempotent
        self._container = container
        self._dedup = dedup

    async def consume(
        self,
        body: Any,
        message: KafkaMessageParam,
        broker: BrokerParam,
        context: ContextParam,
    ) -> None:
        record: ConsumerRecord[bytes, bytes] = message.raw_message
        headers = decode_headers(record.headers)
        topic = record.topic
        started = time.perf_counter()
        with _tracer.start_as_current_span(
            f"{topic} process",
            context=propagate.extract(headers),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.operation.name": "process",
                "messaging.destination.name": topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "messaging.kafka.message.key": (record.key or b"").decode("utf-8", "replace"),
                "messaging.consumer.group.name": self._group_id,
            },
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                outcome = await self._process(record, headers, message, broker, context, span)
            except Exception as failure:
                # Anything unsettled is rewound: the next commit on this partition must not
                # move past a record that was neither processed nor dead-lettered.
                cause = (
                    (failure.__cause__ or failure) if isinstance(failure, _Redeliver) else failure
                )
                span.record_exception(cause)
                span.set_status(Status(StatusCode.ERROR, str(cause)))
                self._count(topic, RETRIED)
                await self._rewind(message, record, cause)
                raise cause from cause.__cause__  # keeps its own cause, hides our wrapper
            span.set_attribute("lms.messaging.outcome", outcome)
            self._count(topic, outcome)
            KAFKA_CONSUME_DURATION.labels(
                service=self._service, topic=topic, consumer=self._consumer
            ).observe(time.perf_counter() - started)
            await self._committer.settled(
                message.consumer,
                TopicPartition(record.topic, record.partition),
                record.offset,
            )

    async def _process(
        self,
        record: ConsumerRecord[bytes, bytes],
        headers: dict[str, str],
        message: KafkaMessage,
        broker: KafkaBroker,
        context: ContextRepo,
        span: trace.Span,
    ) -> str:
        try:
            envelope = decode_envelope(record.value)
        except EnvelopeDecodeError as exc:
            span.record_exception(exc)
            await self._dead_letter(record, headers, broker, exc, attempts=1)
            return DEAD_LETTERED
        return await self._deliver(record, headers, envelope, message, broker, context, span)

    async def _deliver(
        self,
        record: ConsumerRecord[bytes, bytes],
        headers: dict[str, str],
        envelope: Envelope,
        message: KafkaMessage,
        broker: KafkaBroker,
        context: ContextRepo,
        span: trace.Span,
    ) -> str:
        """One decoded record: filtered by type, then attempted with retries, then the DLQ."""
        span.set_attributes(
            {
                "messaging.message.id": envelope.id,
                "cloudevents.event_id": envelope.id,
                "cloudevents.event_type": envelope.type,
                "cloudevents.event_source": envelope.source,
                "cloudevents.event_subject": envelope.subject,
            }
        )
        if self._event_types is not None and envelope.type not in self._event_types:
            return IGNORED
        container = self._container or context.get(CONTAINER_CONTEXT_KEY)
        if container is None:
            raise _Redeliver() from ConsumerSetupError(
                "no dishka container: call lms_platform.messaging.setup_dishka(container, broker)"
            )

        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(envelope, container, message, context)
            except Exception as exc:
                if self._retry.redeliver_on(exc):
                    raise _Redeliver() from exc
                span.record_exception(exc, attributes={"lms.messaging.attempt": attempt})
                if (
                    isinstance(exc, self._retry.dead_letter_immediately)
                    or attempt >= self._retry.max_attempts
                ):
                    await self._dead_letter(record, headers, broker, exc, attempts=attempt)
                    return DEAD_LETTERED
                delay = self._retry.backoff.delay(attempt)
                self._count(record.topic, RETRIED)
                logger.warning(
                    "%s failed on %s (attempt %d of %d), retrying in %.2fs: %r",
                    self._consumer,
                    _position(record),
                    attempt,
                    self._retry.max_attempts,
                    delay,
                    exc,
                )
                await asyncio.sleep(delay)

    async def _attempt(
        self,
        envelope: Envelope,
        container: AsyncContainer,
        message: KafkaMessage,
        context: ContextRepo,
    ) -> str:
        scope_context = {
            StreamMessage: message,
            type(message): message,
            ContextRepo: context,
            Envelope: envelope,
        }
        async with container(scope_context) as request_container:
            dedup: Deduplicator | None = None
            try:
                if self._idempotent:
                    dedup = await self._dedup(request_container)
                    if not await dedup.claim(self._consumer, envelope.id):
                        await dedup.abandon()
                        return DUPLICATE
                await self._call(envelope, request_container)
                # Commits the dedup record if the handler did not commit itself.
                if dedup is not None:
                    await dedup.finish()
            except BaseException:
                if dedup is not None:
                    with contextlib.suppress(Exception):
                        await dedup.abandon()
                raise
        return PROCESSED

    async def _call(self, envelope: Envelope, request_container: AsyncContainer) -> None:
        if self._inject:
            await self._injected(envelope, **{_CONTAINER_PARAM.name: request_container})
        else:
            await self._handler(envelope)

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        headers: dict[str, str],
        broker: KafkaBroker,
        error: BaseException,
        *,
        attempts: int,
    ) -> None:
        topic = self._dlq_topic or dlq_topic_name(record.topic)
        dlq_headers = {
            **headers,
            DLQ_ERROR: (str(error) or type(error).__name__)[:_ERROR_HEADER_MAX_CHARS],
            DLQ_ERROR_TYPE: f"{type(error).__module__}.{type(error).__qualname__}",
            DLQ_ORIGINAL_TOPIC: record.topic,
            DLQ_ORIGINAL_PARTITION: str(record.partition),
            DLQ_ORIGINAL_OFFSET: str(record.offset),
            DLQ_CONSUMER_GROUP: self._group_id,
            DLQ_ATTEMPTS: str(attempts),
            DLQ_FAILED_AT: datetime.now(UTC).isoformat(),
        }
        failure: Exception | None = None
        for publish_attempt in range(1, self._retry.max_attempts + 1):
            try:
                await broker.publish(record.value, topic=topic, key=record.key, headers=dlq_headers)
            except Exception as exc:
                failure = exc
                if publish_attempt < self._retry.max_attempts:
                    await asyncio.sleep(self._retry.backoff.delay(publish_attempt))
                continue
            DLQ_MESSAGES.labels(
                service=self._service, topic=record.topic, consumer=self._consumer
            ).inc()
            logger.error(
                "%s dead-lettered %s to %s after %d attempt(s): %r",
                self._consumer,
                _position(record),
                topic,
                attempts,
                error,
            )
            return
        raise _Redeliver() from DeadLetterPublishError(
            f"could not publish {_position(record)} to {topic}: {failure!r} "
            f"(after the handler failed with {error!r})"
        )

    async def _rewind(
        self, message: KafkaMessage, record: ConsumerRecord[bytes, bytes], cause: BaseException
    ) -> None:
        logger.error(
            "%s could not settle %s; it will be delivered again in %.1fs: %r",
            self._consumer,
            _position(record),
            self._retry.redelivery_delay,
            cause,
        )
        with contextlib.suppress(Exception):  # the partition may have been revoked meanwhile
            message.consumer.seek(TopicPartition(record.topic, record.partition), record.offset)
        await asyncio.sleep(self._retry.redelivery_delay)

    def _count(self, topic: str, outcome: str) -> None:
        KAFKA_MESSAGES_CONSUMED.labels(
            service=self._service, topic=topic, consumer=self._consumer, outcome=outcome
        ).inc()


async def _record_processed(session: AsyncSession, consumer: str, message_id: str) -> bool:
    """Insert the dedup row; False when it already exists. A concurrent duplicate blocks on the
    primary key until the first transaction ends, then sees the row."""
    statement = (
        pg_insert(ProcessedMessage)
        .values(consumer=consumer, message_id=message_id)
        .on_conflict_do_nothing(index_elements=["consumer", "message_id"])
        .returning(ProcessedMessage.message_id)
    )
    return (await session.execute(statement)).first() is not None


async def _raw_body(message: StreamMessage[Any]) -> Any:
    # The envelope is decoded by the consumer itself so an undecodable record reaches the DLQ
    # instead of failing inside FastStream's JSON decoding.
    return message.body


async def _tolerant_parser(
    record: ConsumerRecord[bytes, bytes],
    original: Callable[[ConsumerRecord[bytes, bytes]], Awaitable[StreamMessage[Any]]],
) -> StreamMessage[Any]:
    try:
        return await original(record)
    except UnicodeDecodeError:
        # FastStream decodes headers strictly; a record with binary headers would otherwise
        # fail before the handler and be skipped. Replace the bad bytes instead.
        cleaned = dataclasses.replace(
            record,
            headers=tuple(
                (name, (value or b"").decode("utf-8", "replace").encode())
                for name, value in record.headers
            ),
        )
        if hasattr(record, "consumer"):
            cleaned.consumer = record.consumer
        return await original(cleaned)


def _position(record: ConsumerRecord[bytes, bytes]) -> str:
    return f"{record.topic}[{record.partition}]@{record.offset}"
