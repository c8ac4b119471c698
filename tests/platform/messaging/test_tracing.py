"""One trace from the request that wrote an event, through the relay's publish, to the consumer.

No ``from __future__ import annotations`` here: the handler below is read by FastStream.
"""

from dishka import make_async_container
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms_platform.messaging import (
    CATALOGUE,
    Backoff,
    Envelope,
    OutboxRelay,
    OutboxWriter,
    RetryPolicy,
    build_broker,
    ensure_topics,
    envelope_subscriber,
    new_envelope,
    setup_dishka,
    topic_name,
)
from lms_platform.persistence import DatabaseProvider
from lms_platform.testing import consume_all
from tests.platform.messaging.support import eventually


async def test_publish_span_continues_the_writers_trace_and_the_consumer_continues_it(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    kafka_bootstrap: str,
    kafka_namespace: str,
    spans: InMemorySpanExporter,
    unique: str,
) -> None:
    await ensure_topics(kafka_bootstrap, [CATALOGUE["user"]], kafka_namespace)
    topic = topic_name("user", kafka_namespace)
    tracer = trace.get_tracer("test")

    with tracer.start_as_current_span("PUT /users/{id}", kind=SpanKind.SERVER) as request_span:
        envelope = new_envelope("user.updated", "user", "user-7", "college-1", {"bio": "hi"})
        async with sessions() as session, session.begin():
            await OutboxWriter(namespace=kafka_namespace).add(session, envelope, "user")
    request = request_span.get_span_context()

    async with OutboxRelay(
        engine, kafka_bootstrap, f"user-{unique}", backoff=Backoff(initial=0.05, maximum=0.2)
    ) as relay:
        await relay.wait_until_empty(timeout=15)
    [record] = await consume_all(kafka_bootstrap, topic, expected=1)

    [publish] = [s for s in spans.get_finished_spans() if s.name == f"{topic} publish"]
    assert publish.kind is SpanKind.PRODUCER
    assert publish.context.trace_id == request.trace_id
    assert publish.parent is not None
    assert publish.parent.span_id == request.span_id
    assert (publish.attributes or {})["messaging.destination.name"] == topic
    assert (publish.attributes or {})["messaging.message.id"] == envelope.id
    traceparent = dict(record.headers)["traceparent"].decode()
    assert traceparent.split("-")[1:3] == [
        f"{publish.context.trace_id:032x}", f"{publish.context.span_id:016x}",
    ]  # fmt: skip

    # A consumer in another service picks the trace up from the record headers.
    broker = build_broker(kafka_bootstrap, client_id=f"search-{unique}")
    seen_in_handler: list[trace.SpanContext] = []

    @envelope_subscriber(
        broker, topic, group_id=f"search-{unique}", service=f"search-{unique}",
        retry=RetryPolicy(max_attempts=1), session_timeout_ms=3000, heartbeat_interval_ms=1000,
    )  # fmt: skip
    async def index_user(envelope: Envelope) -> None:
        seen_in_handler.append(trace.get_current_span().get_span_context())

    container = make_async_container(DatabaseProvider(engine))
    setup_dishka(container, broker)
    await broker.start()
    try:

        async def handled() -> bool:
            return bool(seen_in_handler)

        await eventually(handled)
    finally:
        await broker.stop()
        await container.close()

    [process] = [s for s in spans.get_finished_spans() if s.name == f"{topic} process"]
    assert process.kind is SpanKind.CONSUMER
    assert process.context.trace_id == request.trace_id
    assert process.parent is not None
    assert process.parent.span_id == publish.context.span_id
    assert (process.attributes or {})["lms.messaging.outcome"] == "processed"
    assert (process.attributes or {})["cloudevents.event_id"] == envelope.id
    assert seen_in_handler[0].span_id == process.context.span_id


async def test_consumer_span_without_incoming_context_starts_a_new_trace(
    spans: InMemorySpanExporter, kafka_bootstrap: str, kafka_namespace: str, unique: str
) -> None:
    """A record without ``traceparent`` (e.g. from a non-instrumented producer) still gets its
    own CONSUMER span instead of attaching to whatever happened to be current."""
    topic = topic_name("account", kafka_namespace)
    await ensure_topics(
        kafka_bootstrap, [CATALOGUE["account"], CATALOGUE["account.dlq"]], kafka_namespace
    )
    broker = build_broker(kafka_bootstrap, client_id=f"x-{unique}")

    @envelope_subscriber(
        broker, topic, group_id=f"x-{unique}", service=f"x-{unique}", idempotent=False,
        session_timeout_ms=3000, heartbeat_interval_ms=1000,
        container=make_async_container(),
    )  # fmt: skip
    async def handle(envelope: Envelope) -> None:
        return None

    await broker.start()
    try:
        await broker.publish(b"not an envelope", topic=topic, key=b"k")

        async def processed() -> bool:
            return any(s.name == f"{topic} process" for s in spans.get_finished_spans())

        await eventually(processed)
    finally:
        await broker.stop()
    [process] = [s for s in spans.get_finished_spans() if s.name == f"{topic} process"]
    assert process.parent is None
    assert (process.attributes or {})["lms.messaging.outcome"] == "dead_lettered"
    [dead] = await consume_all(kafka_bootstrap, topic + ".dlq", expected=1)
    assert dead.value == b"not an envelope"
