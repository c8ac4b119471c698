"""The notes service's dishka providers: the MongoDB client, database and odmantic engine
(APP), each port bound to its adapter (``provide(Impl, provides=Port)``), the unit of work
(REQUEST) and the use cases. The platform runtime adds settings, Redis, clock and ids."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from dishka import AnyOf, Provider, Scope, provide
from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from odmantic import AIOEngine

from lms.notes.adapters.persistence.monitoring import MongoHeartbeatGauge
from lms.notes.adapters.persistence.queries import MongoNoteQueries
from lms.notes.adapters.persistence.read_models import MongoMemberships, MongoUserDirectory
from lms.notes.adapters.persistence.unit_of_work import NotesMongoUnitOfWork
from lms.notes.application import departures, reading, sharing, writing
from lms.notes.application.ports import Memberships, NoteQueries, NotesUnitOfWork, UserDirectory
from lms.notes.config import NotesSettings
from lms_platform.messaging.mongo_admin import MongoOutboxAdmin
from lms_platform.messaging.mongo_outbox import MongoOutboxWriter


def mongo_client(settings: NotesSettings) -> AsyncIOMotorClient:
    return AsyncIOMotorClient(
        settings.mongo_url, tz_aware=True, maxPoolSize=settings.mongo_pool_size,
        appname=settings.service_name,
        event_listeners=[MongoHeartbeatGauge(settings.service_name)],
    )  # fmt: skip


@contextlib.asynccontextmanager
async def outbox_admin(settings: NotesSettings) -> AsyncIterator[MongoOutboxAdmin]:
    """``notes outbox ...``: the parked-rows admin on the service's database, no container."""
    client = mongo_client(settings)
    try:
        yield MongoOutboxAdmin(client[settings.mongo_database])
    finally:
        client.close()


class NotesAdaptersProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: NotesSettings) -> None:
        super().__init__()
        self._settings = settings

    @provide
    async def client(self) -> AsyncIterator[AsyncIOMotorClient]:
        client = mongo_client(self._settings)
        yield client
        client.close()

    @provide
    def database(self, client: AsyncIOMotorClient) -> AsyncIOMotorDatabase:
        return client[self._settings.mongo_database]

    @provide
    def engine(self, client: AsyncIOMotorClient) -> AIOEngine:
        return AIOEngine(client=client, database=self._settings.mongo_database)

    @provide
    def outbox(self, database: AsyncIOMotorDatabase) -> MongoOutboxWriter:
        return MongoOutboxWriter(database, namespace=self._settings.kafka_topic_prefix)

    queries = provide(MongoNoteQueries, provides=NoteQueries)
    memberships = provide(MongoMemberships, provides=Memberships)
    users = provide(MongoUserDirectory, provides=UserDirectory)

    @provide(scope=Scope.REQUEST, provides=AnyOf[NotesMongoUnitOfWork, NotesUnitOfWork])
    async def unit_of_work(
        self, client: AsyncIOMotorClient, engine: AIOEngine, outbox: MongoOutboxWriter
    ) -> AsyncIterator[NotesMongoUnitOfWork]:
        uow = NotesMongoUnitOfWork(client, engine, outbox, self._settings.service_name)
        yield uow
        await uow.close()  # aborts what was not committed, ends the session


class NotesUseCasesProvider(Provider):
    scope = Scope.REQUEST
    use_cases = (
        provide(writing.CreateNote) + provide(writing.EditNote) + provide(writing.DeleteNote)
        + provide(reading.GetNote) + provide(reading.ListNotes)
        + provide(sharing.ShareNote) + provide(sharing.ListShares) + provide(sharing.RevokeShare)
        + provide(departures.ForgetUser)
    )  # fmt: skip


def providers(settings: NotesSettings) -> Sequence[Provider]:
    return [NotesAdaptersProvider(settings), NotesUseCasesProvider()]
