"""The whole chain as a service wires it: consume ``account.registered``, change state and write
``user.created`` to the outbox in one transaction, relay it to the ``user`` topic.

No ``from __future__ import annotations`` here: dishka reads the handler's annotations.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from aiokafka import AIOKafkaProducer
from dishka import FromDishka, Provider, Scope, make_async_container, provide
from faststream.kafka import KafkaBroker
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lms_platform.messaging import (
    CATALOGUE,
    Backoff,
    Envelope,
    OutboxRelay,
    OutboxWriter,
    RetryPolicy,
    build_broker,
    decode_envelope,
    ensure_topics,
    envelope_subscriber,
    new_envelope,
    setup_dishka,
    topic_name,
)
from lms_platform.persistence import DatabaseProvider
from lms_platform.testing import consume_all
from tests.platform.messaging.support import effect_count, effects, eventually, publish_envelope


class AccountRegistered(msgspec.Struct, frozen=True):
    email: str
    roles: list[str]


class UserCreated(msgspec.Struct, frozen=True):
    email: str


class CreateProfile:
    """The use case: a profile row and its ``user.created`` event, committed together."""

    def __init__(self, session: AsyncSession, outbox: OutboxWriter) -> None:
        self._session = session
        self._outbox = outbox

    async def __call__(self, account_id: str, college_id: str, email: str) -> None:
        await self._session.execute(insert(effects).values(event_id=email, subject=account_id))
        event = new_envelope("user.created", "user", account_id, college_id, UserCreated(email))
        await self._outbox.add(self._session, event, "user")
        await self._session.commit()


class UserProvider(Provider):
    def __init__(self, namespace: str) -> None:
        super().__init__()
        self._namespace = namespace

    @provide(scope=Scope.APP)
    def outbox(self) -> OutboxWriter:
        return OutboxWriter(namespace=self._namespace)

    create_profile = provide(CreateProfile, scope=Scope.REQUEST)


async def test_consumed_event_becomes_state_and_a_published_event(
    engine: AsyncEngine,
    kafka_bootstrap: str,
    kafka_namespace: str,
    producer: AIOKafkaProducer,
    unique: str,
) -> None:
    specs = [CATALOGUE[name] for name in ("account", "account.dlq", "user")]
    await ensure_topics(kafka_bootstrap, specs, kafka_namespace)
    container = make_async_container(DatabaseProvider(engine), UserProvider(kafka_namespace))
    broker = build_broker(kafka_bootstrap, client_id=f"user-{unique}")

    @envelope_subscriber(
        broker,
        topic_name("account", kafka_namespace),
        group_id=f"user-{unique}",
        service=f"user-{unique}",
        event_types={"account.registered"},
        retry=RetryPolicy(max_attempts=3, backoff=Backoff(initial=0.05, maximum=0.2)),
        session_timeout_ms=3000,
        heartbeat_interval_ms=1000,
    )
    async def on_account_registered(
        envelope: Envelope, create_profile: FromDishka[CreateProfile]
    ) -> None:
        account = envelope.data_as(AccountRegistered)
        await create_profile(envelope.subject, envelope.tenant or "", account.email)

    setup_dishka(container, broker)
    relay = OutboxRelay(engine, kafka_bootstrap, f"user-{unique}", backoff=Backoff(initial=0.05))
    registered = new_envelope(
        "account.registered", "auth", "acc-77", "college-3",
        AccountRegistered(email="grace@example.edu", roles=["instructor"]),
    )  # fmt: skip
    await publish_envelope(producer, topic_name("account", kafka_namespace), registered)

    async with relay, _running(broker):
        await eventually(lambda: _one_effect(engine))
        await relay.wait_until_empty(timeout=15)
    await container.close()

    [record] = await consume_all(kafka_bootstrap, topic_name("user", kafka_namespace), expected=1)
    created = decode_envelope(record.value)
    assert (created.type, created.source, created.subject, created.tenant) == (
        "user.created", "user", "acc-77", "college-3",
    )  # fmt: skip
    assert created.data_as(UserCreated) == UserCreated(email="grace@example.edu")
    assert record.key == b"acc-77"


async def _one_effect(engine: AsyncEngine) -> bool:
    return await effect_count(engine) == 1


@asynccontextmanager
async def _running(broker: KafkaBroker) -> AsyncIterator[None]:
    await broker.start()
    try:
        yield
    finally:
        await broker.stop()
