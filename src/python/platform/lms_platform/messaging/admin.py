"""Parked outbox rows, for operators: list them, retry them, or discard them.

A parked row blocks the later rows of its key (they are held, in order, behind it). Retrying
makes it pending and due now with a fresh set of attempts; once it is published the held rows
follow. Discarding deletes it, which loses that event for good and releases the held rows.

Each change takes the relay's advisory lock, so it never interleaves with a relay cycle, and
then NOTIFYs the relay so that it picks the rows up at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import msgspec
from sqlalchemy import ColumnElement, Delete, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from lms_platform.messaging.models import PARKED, PENDING, OutboxMessage
from lms_platform.messaging.outbox import DEFAULT_NOTIFY_CHANNEL
from lms_platform.messaging.outbox_rows import count_parked_by_topic, relay_lock_id

__all__ = ["OutboxAdmin", "ParkedRow"]


class ParkedRow(msgspec.Struct, frozen=True, kw_only=True):
    """One parked outbox row as an operator sees it (the payload stays in the table)."""

    id: int | str  # the table's bigint; a MongoDB ObjectId as hex
    event_id: str
    event_type: str
    topic: str
    key: str
    attempts: int
    last_error: str | None
    created_at: datetime
    parked_at: datetime | None
    held: int  # pending rows of the same topic and key waiting behind this one


class OutboxAdmin:
    def __init__(
        self, engine: AsyncEngine, *, notify_channel: str | None = DEFAULT_NOTIFY_CHANNEL
    ) -> None:
        self._engine = engine
        self._notify_channel = notify_channel

    @staticmethod
    def parse_id(text: str) -> int:
        return int(text)

    async def list_parked(
        self, *, topic: str | None = None, after_id: int = 0, limit: int = 100
    ) -> list[ParkedRow]:
        """Parked rows in id order; page with ``after_id`` = the last id of the previous page."""
        behind = aliased(OutboxMessage)
        held = (
            select(func.count())
            .where(
                behind.topic == OutboxMessage.topic,
                behind.key == OutboxMessage.key,
                behind.id > OutboxMessage.id,
                behind.state == PENDING,
            )
            .scalar_subquery()
        )
        statement = (
            select(
                OutboxMessage.id,
                OutboxMessage.event_id,
                OutboxMessage.event_type,
                OutboxMessage.topic,
                OutboxMessage.key,
                OutboxMessage.attempts,
                OutboxMessage.last_error,
                OutboxMessage.created_at,
                OutboxMessage.parked_at,
                held,
            )
            .where(OutboxMessage.state == PARKED, OutboxMessage.id > after_id)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if topic is not None:
            statement = statement.where(OutboxMessage.topic == topic)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(statement)).all()
        return [
            ParkedRow(
                id=row[0],
                event_id=str(row[1]),
                event_type=row[2],
                topic=row[3],
                key=row[4],
                attempts=row[5],
                last_error=row[6],
                created_at=row[7],
                parked_at=row[8],
                held=int(row[9]),
            )
            for row in rows
        ]

    async def parked_counts(self) -> dict[str, int]:
        """Parked rows per topic."""
        async with self._engine.connect() as connection:
            return await count_parked_by_topic(connection)

    async def retry(self, ids: Sequence[int] | None = None, *, topic: str | None = None) -> int:
        """Make parked rows pending and due now: the rows ``ids``, or with ``ids=None`` every
        parked row (of ``topic``, if given). Their attempts start again from zero, and so do
        those of the rows held behind them. Returns how many parked rows were retried."""
        async with self._locked() as connection:
            retried = await connection.execute(
                update(OutboxMessage)
                .where(self._parked(ids, topic))
                .values(state=PENDING, attempts=0, next_attempt_at=func.now(), parked_at=None)
                .returning(OutboxMessage.topic, OutboxMessage.key)
            )
            rows = retried.all()
            keys = {(row.topic, row.key) for row in rows}
            if keys:
                await connection.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.state == PENDING,
                        tuple_(OutboxMessage.topic, OutboxMessage.key).in_(sorted(keys)),
                    )
                    .values(attempts=0)
                )
                await self._notify(connection)
        return len(rows)

    async def discard(self, ids: Sequence[int]) -> int:
        """Delete the parked rows ``ids`` (never pending ones): their events are lost. There is
        no "discard all", on purpose. Returns how many were deleted."""
        if not ids:
            return 0
        return await self._change(delete(OutboxMessage).where(self._parked(ids, None)))

    def _parked(self, ids: Sequence[int] | None, topic: str | None) -> ColumnElement[bool]:
        condition = OutboxMessage.state == PARKED
        if ids is not None:
            condition &= OutboxMessage.id.in_(list(ids))
        if topic is not None:
            condition &= OutboxMessage.topic == topic
        return condition

    async def _change(self, statement: Delete) -> int:
        async with self._locked() as connection:
            changed = int((await connection.execute(statement)).rowcount or 0)
            if changed:
                await self._notify(connection)
        return changed

    @contextlib.asynccontextmanager
    async def _locked(self) -> AsyncIterator[AsyncConnection]:
        """A transaction holding the relay's lock: no relay cycle runs while we change rows."""
        async with self._engine.begin() as connection:
            await connection.execute(select(func.pg_advisory_xact_lock(relay_lock_id())))
            yield connection

    async def _notify(self, connection: AsyncConnection) -> None:
        if self._notify_channel is not None:
            await connection.execute(select(func.pg_notify(self._notify_channel, "")))
