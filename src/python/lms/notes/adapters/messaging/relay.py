"""The notes outbox relay as background work: the runtime runs a relay only for a PostgreSQL
outbox, so this service starts the platform's ``MongoOutboxRelay`` (and creates its topics)
itself, once the container can hand out the database, with the purge of idle per-note sequence
counters (``MongoOutboxKeyPurger``) beside it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dishka import AsyncContainer
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms_platform.messaging.mongo_keys import MongoOutboxKeyPurger
from lms_platform.messaging.mongo_outbox import MongoOutboxRelay
from lms_platform.runtime.consumers import TopicCreator

PUBLISHES = ("note",)


class MongoRelayWork:
    def __init__(self, container: AsyncContainer, settings: NotesSettings, **options: Any) -> None:
        self._container = container
        self._settings = settings
        self._options = options
        self._topics = TopicCreator(settings, PUBLISHES)
        self.relay: MongoOutboxRelay | None = None
        self.key_purger: MongoOutboxKeyPurger | None = None

    async def start(self) -> None:
        database = await self._container.get(AsyncIOMotorDatabase)
        self.relay = MongoOutboxRelay.from_settings(database, self._settings, **self._options)
        self.key_purger = MongoOutboxKeyPurger(
            database,
            idle=timedelta(seconds=self._settings.outbox_keys_idle_seconds),
            interval=self._settings.outbox_keys_purge_interval_seconds,
            service_name=self._settings.service_name,
        )
        await self._topics.start()
        await self.relay.start()
        await self.key_purger.start()

    async def stop(self) -> None:
        if self.key_purger is not None:
            await self.key_purger.stop()
        if self.relay is not None:
            await self.relay.stop()
        await self._topics.stop()


def relay_work(container: AsyncContainer, settings: NotesSettings) -> MongoRelayWork | None:
    return MongoRelayWork(container, settings) if settings.run_relay else None
