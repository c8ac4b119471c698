"""Kafka consumers of the user service.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

import asyncio
import contextlib
from uuid import UUID

import msgspec
import structlog
from dishka import AsyncContainer
from dishka_faststream import FromDishka

from lms.user.application.use_cases import AccountRegistered, CreateProfileFromAccount
from lms.user.config import UserSettings
from lms_platform.kernel.errors import DomainError
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    build_broker,
    ensure_topics,
    envelope_subscriber,
    retry_until_ready,
    setup_dishka,
    topic_name,
)
from lms_platform.messaging.topics import CATALOGUE

ACCOUNT_REGISTERED = "account.registered"

_log = structlog.get_logger("lms.user.consumers")


class AccountRegisteredData(msgspec.Struct, kw_only=True):
    """The part of ``account.registered`` this service needs; other fields are ignored."""

    account_id: UUID
    email: str
    roles: list[str]
    display_name: str | None = None


async def on_account_event(
    envelope: Envelope, create_profile: FromDishka[CreateProfileFromAccount]
) -> None:
    if not envelope.tenant:
        raise EnvelopeDecodeError(f"{envelope.type} {envelope.id} has no tenant")
    data = envelope.data_as(AccountRegisteredData)
    await create_profile(
        AccountRegistered(
            account_id=data.account_id,
            tenant_id=envelope.tenant,
            email=data.email,
            roles=tuple(data.roles),
            display_name=data.display_name,
        )
    )


class UserConsumers:
    """The FastStream broker with this service's subscribers, started in the background so that
    a broker outage at start-up delays consumption instead of failing the HTTP service."""

    def __init__(
        self,
        settings: UserSettings,
        container: AsyncContainer,
        *,
        retry: RetryPolicy | None = None,
        session_timeout_ms: int = 10_000,
    ) -> None:
        self._settings = settings
        self.broker = build_broker(
            settings.kafka_bootstrap_servers,
            client_id=f"{settings.service_name}-consumers",
            enable_idempotence=settings.kafka_enable_idempotence,
        )
        self.account_topic = topic_name("account", settings.kafka_topic_prefix)
        policy = retry or RetryPolicy(
            max_attempts=5,
            backoff=Backoff(initial=0.2, maximum=5.0),
            # A domain rule the event breaks will break it on every retry too.
            dead_letter_immediately=(EnvelopeDecodeError, DomainError),
        )
        envelope_subscriber(
            self.broker,
            self.account_topic,
            group_id=settings.consumer_group,
            service=settings.service_name,
            consumer="user.account-events",
            # Other account.* events are not this consumer's business (yet): acknowledged
            # without touching the database, counted as outcome="ignored".
            event_types={ACCOUNT_REGISTERED},
            retry=policy,
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(session_timeout_ms // 3, 100),
        )(on_account_event)
        setup_dishka(container, self.broker)
        self._task: asyncio.Task[None] | None = None
        self.started = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._start_when_broker_is_up(), name="user-consumers")

    async def _start_when_broker_is_up(self) -> None:
        specs = [
            CATALOGUE["account"],
            CATALOGUE["account.dlq"],
            CATALOGUE["user"],
            CATALOGUE["user.dlq"],
        ]

        async def start() -> None:
            await ensure_topics(
                self._settings.kafka_bootstrap_servers, specs, self._settings.kafka_topic_prefix
            )
            await self.broker.start()

        async def stop_half_started() -> None:
            with contextlib.suppress(Exception):
                await self.broker.stop()

        await retry_until_ready(
            start, waiting_event="consumers_waiting_for_broker", after_failure=stop_half_started
        )
        self.started.set()
        _log.info("consumers_started", topic=self.account_topic)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.broker.stop()
