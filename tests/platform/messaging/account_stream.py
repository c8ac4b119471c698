"""What the envelope-consumer tests share: one test's account topic, its dead-letter topic, the
names of a consumer of them and its broker (the ``accounts`` fixture), the events and use case
they carry, and the checks the tests wait on.

No ``from __future__ import annotations`` here: dishka reads ``RecordEffect``'s annotations.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
from aiokafka import AIOKafkaConsumer, TopicPartition
from dishka import AsyncContainer, Provider, Scope, make_async_container
from faststream.kafka import KafkaBroker
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms_platform.messaging import (
    CATALOGUE,
    Backoff,
    Envelope,
    RetryPolicy,
    build_broker,
    ensure_topics,
    envelope_subscriber,
    new_envelope,
    setup_dishka,
    topic_name,
)
from lms_platform.persistence import DatabaseProvider
from tests.platform.messaging.support import effect_count, effects, metric

FAST_RETRY = RetryPolicy(
    max_attempts=3, backoff=Backoff(initial=0.02, maximum=0.1), redelivery_delay=0.2
)
# Tansu's group join takes about half the session timeout; keep it short in tests.
GROUP_OPTIONS: dict[str, Any] = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 1000}


@dataclass(frozen=True)
class AccountStream:
    """One test's ``account`` topic and its ``.dlq``, both created, and a consumer of them:
    ``service`` is its group id and its metrics' service label, ``broker`` a broker for it."""

    bootstrap: str
    topic: str
    dlq: str
    service: str
    consumer: str
    broker: KafkaBroker

    def names(self) -> tuple[str, str, str, str]:
        """``topic, dlq, service, consumer``."""
        return self.topic, self.dlq, self.service, self.consumer

    def new_broker(self, client_id: str, **options: Any) -> KafkaBroker:
        """Another broker, for a second member of the group or a restart."""
        return build_broker(self.bootstrap, client_id=client_id, **options)

    def subscribe(
        self,
        subscriber: Callable[..., Any] = envelope_subscriber,
        *,
        broker: KafkaBroker | None = None,
        **options: Any,
    ) -> Any:
        """``subscriber`` (``envelope_subscriber`` or ``envelope_batch_subscriber``) on this
        stream's topic, with the test-sized retry policy and group timings; ``options`` win."""
        defaults = {"group_id": self.service, "service": self.service, "consumer": self.consumer}
        return subscriber(
            broker or self.broker,
            self.topic,
            **{**defaults, "retry": FAST_RETRY, **GROUP_OPTIONS, **options},
        )


class AccountRegistered(msgspec.Struct, frozen=True):
    email: str
    roles: list[str]


class RecordEffect:
    """A use case: applies the event through the request's session and commits it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def __call__(self, envelope: Envelope) -> None:
        await self.session.execute(
            insert(effects).values(event_id=envelope.id, subject=envelope.subject)
        )
        await self.session.commit()


def make_container(engine: AsyncEngine) -> AsyncContainer:
    use_cases = Provider(scope=Scope.REQUEST)
    use_cases.provide(RecordEffect)
    return make_async_container(DatabaseProvider(engine), use_cases)


@asynccontextmanager
async def running(
    broker: KafkaBroker, container: AsyncContainer, *, auto_inject: bool = False
) -> AsyncIterator[None]:
    setup_dishka(container, broker, auto_inject=auto_inject)
    await broker.start()
    try:
        yield
    finally:
        await broker.stop()
        await container.close()


async def account_topics(bootstrap: str, namespace: str) -> tuple[str, str]:
    await ensure_topics(bootstrap, [CATALOGUE["account"], CATALOGUE["account.dlq"]], namespace)
    return topic_name("account", namespace), topic_name("account.dlq", namespace)


def registered(subject: str) -> Envelope:
    return new_envelope(
        "account.registered",
        "auth",
        subject,
        "college-1",
        AccountRegistered(email=f"{subject}@example.edu", roles=["student"]),
    )


def consumed(service: str, topic: str, consumer: str, outcome: str) -> float:
    return metric(
        "kafka_messages_consumed_total",
        service=service, topic=topic, consumer=consumer, outcome=outcome,
    )  # fmt: skip


async def committed_offsets(
    bootstrap: str, group_id: str, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """The group's committed offsets (OffsetFetch; the admin client's variant trips on Tansu)."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, enable_auto_commit=False
    )
    await reader.start()
    try:
        committed = {partition: await reader.committed(partition) for partition in partitions}
    finally:
        await reader.stop()
    return {partition: offset for partition, offset in committed.items() if offset is not None}


# --- what the tests wait on (``eventually``) ---------------------------------------------------


async def applied(engine: AsyncEngine, expected: int) -> bool:
    return await effect_count(engine) == expected


async def equals(value: float, expected: float) -> bool:
    return value == expected


async def offset_is(bootstrap: str, group_id: str, partition: TopicPartition, offset: int) -> bool:
    return (await committed_offsets(bootstrap, group_id, [partition])).get(partition) == offset


async def offsets_are(bootstrap: str, group_id: str, expected: dict[TopicPartition, int]) -> bool:
    return await committed_offsets(bootstrap, group_id, list(expected)) == expected
