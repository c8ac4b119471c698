"""A service's Kafka consumers: one FastStream broker, started in the background so that a
broker outage at start-up delays consumption instead of failing the process."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from dishka import AsyncContainer
from faststream.kafka import KafkaBroker

from lms_platform.config import ServiceSettings
from lms_platform.logging import get_logger
from lms_platform.messaging import (
    CATALOGUE,
    build_broker,
    ensure_topics,
    retry_until_ready,
    setup_dishka,
)
from lms_platform.messaging.topics import TopicSpec, dlq_topic_name

_log = get_logger("lms.runtime.consumers")


class ConsumerGroup:
    """``broker`` carries the service's subscribers (registered before ``start``); ``topics``
    are created, with their dead-letter topics, before the broker starts."""

    def __init__(
        self, settings: ServiceSettings, container: AsyncContainer, consumes: Sequence[str]
    ) -> None:
        self._settings = settings
        self._topics = _with_dead_letters(consumes)
        self.broker: KafkaBroker = build_broker(
            settings.kafka_bootstrap_servers,
            client_id=f"{settings.service_name}-consumers",
            enable_idempotence=settings.kafka_enable_idempotence,
        )
        self._container = container
        self._task: asyncio.Task[None] | None = None
        self.started = asyncio.Event()

    async def start(self) -> None:
        setup_dishka(self._container, self.broker)
        self._task = asyncio.create_task(
            self._start_when_broker_is_up(), name=f"{self._settings.service_name}-consumers"
        )

    async def _start_when_broker_is_up(self) -> None:
        async def start() -> None:
            await ensure_topics(
                self._settings.kafka_bootstrap_servers,
                self._topics,
                self._settings.kafka_topic_prefix,
            )
            await self.broker.start()

        async def stop_half_started() -> None:
            with contextlib.suppress(Exception):
                await self.broker.stop()

        await retry_until_ready(
            start, waiting_event="consumers_waiting_for_broker", after_failure=stop_half_started
        )
        self.started.set()
        _log.info("consumers_started", topics=[spec.name for spec in self._topics])

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.broker.stop()


class TopicCreator:
    """Creates the topics a service publishes to, once the broker answers (in the background:
    the relay holds events until then)."""

    def __init__(self, settings: ServiceSettings, publishes: Sequence[str]) -> None:
        self._settings = settings
        self._topics = [CATALOGUE[name] for name in publishes]
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if not self._topics:
            return
        self._task = asyncio.create_task(
            self._create_when_broker_is_up(), name=f"{self._settings.service_name}-topics"
        )

    async def _create_when_broker_is_up(self) -> None:
        await retry_until_ready(
            lambda: ensure_topics(
                self._settings.kafka_bootstrap_servers,
                self._topics,
                self._settings.kafka_topic_prefix,
            ),
            waiting_event="topics_waiting_for_broker",
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


def _with_dead_letters(names: Sequence[str]) -> list[TopicSpec]:
    specs: list[TopicSpec] = []
    for name in names:
        specs += [CATALOGUE[name], CATALOGUE[dlq_topic_name(name)]]
    return specs
