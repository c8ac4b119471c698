"""The dishka provider every service starts from: its settings, clock, id generator, Redis
client and outbox event stager, all process-wide (APP scope). A service adds its own provider
for its adapters and use cases next to this one."""

from __future__ import annotations

from dishka import Provider, Scope, provide
from redis.asyncio import Redis

from lms_platform.config import ServiceSettings
from lms_platform.kernel.clock import RandomIds, SystemClock
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.messaging.outbox import OutboxWriter
from lms_platform.persistence.unit_of_work import EventStager, OutboxEventStager


class ServiceBasicsProvider(Provider):
    """``settings`` is provided under its concrete class (``UserSettings``, ``AuthSettings``...).
    The Redis client, when given, belongs to the runtime, which closes it."""

    scope = Scope.APP

    def __init__(
        self, settings: ServiceSettings, redis: Redis | None = None, clock: Clock | None = None
    ) -> None:
        super().__init__()
        self._settings = settings
        self._clock = clock or SystemClock()
        self.provide(lambda: settings, provides=type(settings))
        if redis is not None:
            self.provide(lambda: redis, provides=Redis)

    @provide
    def clock(self) -> Clock:
        return self._clock

    @provide
    def ids(self) -> IdGenerator:
        return RandomIds()

    @provide
    def events(self) -> EventStager:
        writer = OutboxWriter(namespace=self._settings.kafka_topic_prefix)
        return OutboxEventStager(writer, source=self._settings.service_name)
