"""The SQLAlchemy unit of work: state changes and their outbox rows commit in one transaction."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.events import DomainEvent
from lms_platform.messaging.envelope import envelope_of
from lms_platform.messaging.outbox import OutboxWriter
from lms_platform.metrics import DOMAIN_EVENTS


class EventStager(Protocol):
    """Adds an event's outbox row to the session (see ``lms_platform.messaging``)."""

    @property
    def source(self) -> str: ...

    async def stage(self, session: AsyncSession, event: DomainEvent) -> None: ...


class OutboxEventStager:
    """Wraps each domain event in the platform envelope and stages it in the outbox."""

    def __init__(self, writer: OutboxWriter, source: str) -> None:
        self._writer = writer
        self._source = source

    @property
    def source(self) -> str:
        return self._source

    async def stage(self, session: AsyncSession, event: DomainEvent) -> None:
        envelope = envelope_of(event, self._source)
        await self._writer.add(session, envelope, event.topic, key=event.partition_key)


class SqlAlchemyUnitOfWork:
    def __init__(self, session: AsyncSession, events: EventStager) -> None:
        self.session = session
        self._events = events
        self._pending: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        committed = list(self._pending)
        for event in committed:
            await self._events.stage(self.session, event)
        try:
            await self.session.commit()
        except StaleDataError as exc:
            await self.session.rollback()
            raise Conflict("the record was changed concurrently; reload and retry") from exc
        except IntegrityError as exc:
            await self.session.rollback()
            raise Conflict("the change conflicts with existing data") from exc
        else:
            for event in committed:
                DOMAIN_EVENTS.labels(service=self._events.source, type=event.event_type).inc()
        finally:
            self._pending.clear()

    async def rollback(self) -> None:
        self._pending.clear()
        await self.session.rollback()

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: when the block raises, its writes and the events recorded in
        it are undone, and the rest of the transaction goes on (the exception propagates)."""
        recorded = len(self._pending)
        nested = await self.session.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                await nested.rollback()
            del self._pending[recorded:]
            raise
        else:
            await nested.commit()
