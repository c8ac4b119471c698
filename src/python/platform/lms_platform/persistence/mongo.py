"""The unit of work on MongoDB: a change, its outbox records and (in a consumer) its dedup record
commit in one multi-document transaction, which needs a replica set (docs/mongodb.md).

``MongoUnitOfWork`` is REQUEST-scoped: the first ``session()`` starts the transaction, the
repositories pass that session to every read and write, and ``commit()`` stages the recorded
events in the ``outbox`` collection before committing. MongoDB answers a write that meets a
concurrent transaction's write with ``WriteConflict`` at once (``TransientTransactionError``),
so ``atomically(work)`` runs a use case's body as MongoDB's drivers advise: abort and run it
again in a fresh transaction, a few times, then raise ``Conflict``. A body must therefore read
what it decides on inside the transaction (it does: every read takes ``session()``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from dishka import AsyncContainer
from motor.motor_asyncio import (
    AsyncIOMotorClient,
    AsyncIOMotorClientSession,
    AsyncIOMotorDatabase,
)
from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure

from lms_platform.kernel.errors import Conflict
from lms_platform.kernel.events import DomainEvent
from lms_platform.messaging.consumer import DedupFactory, register_infrastructure_errors
from lms_platform.messaging.envelope import envelope_of
from lms_platform.messaging.mongo_outbox import MongoOutboxWriter, in_transaction
from lms_platform.metrics import DOMAIN_EVENTS
from lms_platform.persistence.mongo_ttl import ensure_ttl_index

__all__ = [
    "PROCESSED_COLLECTION",
    "MongoDeduplicator",
    "MongoUnitOfWork",
    "WriteConflict",
    "ensure_processed_indexes",
    "is_write_conflict",
    "mongo_dedup",
]

# A network failure or a primary stepping down is plumbing: redeliver, never dead-letter.
register_infrastructure_errors(ConnectionFailure)

PROCESSED_COLLECTION = "processed_messages"
T = TypeVar("T")
_CONFLICT_PAUSE = 0.005  # seconds, times the attempt: lets the winner commit first


async def ensure_processed_indexes(database: AsyncIOMotorDatabase, *, retention: timedelta) -> None:
    """A TTL index on ``processed_at``: MongoDB drops dedup records older than ``retention``
    (no less than the retention of every consumed topic), as ``ProcessedMessagePurger`` does on
    PostgreSQL. The index of earlier versions, of the same name, gains the TTL in place."""
    await ensure_ttl_index(
        database[PROCESSED_COLLECTION], "processed_at", name="ix_processed_at", retention=retention
    )


class WriteConflict(Conflict):
    """The transaction lost a write to a concurrent one (not a rule of the domain: a domain
    ``Conflict`` raised by a use case is never retried)."""


class MongoUnitOfWork:
    def __init__(self, client: AsyncIOMotorClient, outbox: MongoOutboxWriter, source: str) -> None:
        self._client = client
        self._outbox = outbox
        self._source = source
        self._session: AsyncIOMotorClientSession | None = None
        self._pending: list[DomainEvent] = []
        self._outer_writes = False  # written before atomically(): a rerun would lose them

    async def session(self) -> AsyncIOMotorClientSession:
        """The session of this unit's transaction, started on first use."""
        if self._session is None:
            self._session = await self._client.start_session()
        if not in_transaction(self._session):
            self._session.start_transaction()
        return self._session

    def hold_writes(self) -> None:
        """The transaction holds writes made outside ``atomically`` (a consumer's dedup
        record): a conflict then fails the whole attempt instead of rerunning the body alone."""
        self._outer_writes = True

    async def atomically(self, work: Callable[[], Awaitable[T]], *, attempts: int = 8) -> T:
        """``work()`` then ``commit()``, in one transaction; run again from the start while it
        loses a write conflict, up to ``attempts`` times (then ``Conflict``)."""
        if self._outer_writes:
            attempts = 1
        for attempt in range(1, attempts + 1):
            try:
                result = await work()
                await self.commit()
                return result
            except WriteConflict:
                if attempt == attempts:
                    raise
            except OperationFailure as exc:
                await self.rollback()
                if not _is_conflict(exc) or attempt == attempts:
                    if _is_conflict(exc):
                        raise WriteConflict("too many concurrent changes; retry") from exc
                    raise
            except BaseException:
                await self.rollback()
                raise
            self._pending.clear()
            await asyncio.sleep(_CONFLICT_PAUSE * attempt)
        raise AssertionError("unreachable")

    def record(self, event: DomainEvent) -> None:
        self._pending.append(event)

    async def commit(self) -> None:
        committed = list(self._pending)
        self._pending.clear()
        open_transaction = self._session is not None and in_transaction(self._session)
        if not open_transaction and not committed:
            return
        session = await self.session()
        try:
            for event in committed:
                await self._outbox.add(
                    session, envelope_of(event, self._source), event.topic, event.partition_key
                )
            await session.commit_transaction()
        except OperationFailure as exc:
            await self._abort()
            if _is_conflict(exc):
                raise WriteConflict("the record was changed concurrently; retry") from exc
            raise
        except BaseException:
            await self._abort()
            raise
        for event in committed:
            DOMAIN_EVENTS.labels(service=self._source, type=event.event_type).inc()

    async def rollback(self) -> None:
        self._pending.clear()
        await self._abort()

    async def close(self) -> None:
        await self._abort()
        if self._session is not None:
            await self._session.end_session()
            self._session = None

    async def _abort(self) -> None:
        if self._session is not None and in_transaction(self._session):
            await self._session.abort_transaction()


def _is_conflict(exc: OperationFailure) -> bool:
    return exc.has_error_label("TransientTransactionError")


def is_write_conflict(exc: BaseException) -> bool:
    """True for a write that lost to a concurrent transaction (retrying it may succeed)."""
    return isinstance(exc, OperationFailure) and _is_conflict(exc)


class MongoDeduplicator:
    """The consumer's dedup record in ``processed_messages``, in the unit of work's transaction:
    the handler's ``uow.commit()`` commits it with the effects."""

    def __init__(self, uow: MongoUnitOfWork, database: AsyncIOMotorDatabase) -> None:
        self._uow = uow
        self._processed = database[PROCESSED_COLLECTION]

    async def claim(self, consumer: str, message_id: str) -> bool:
        session = await self._uow.session()
        self._uow.hold_writes()
        try:
            await self._processed.insert_one(
                {"_id": f"{consumer}\x00{message_id}", "processed_at": datetime.now(UTC)},
                session=session,
            )
        except DuplicateKeyError:
            return False
        return True

    async def finish(self) -> None:
        await self._uow.commit()

    async def abandon(self) -> None:
        await self._uow.rollback()


def mongo_dedup(
    uow_type: Any = MongoUnitOfWork, database_type: Any = AsyncIOMotorDatabase
) -> DedupFactory:
    """``envelope_subscriber(dedup=mongo_dedup())``: the record goes through the REQUEST's
    ``uow_type`` and the APP's ``database_type`` (a service may provide its own subclasses)."""

    async def factory(container: AsyncContainer) -> MongoDeduplicator:
        return MongoDeduplicator(await container.get(uow_type), await container.get(database_type))

    return factory
