"""The relay's store on PostgreSQL: the ``outbox`` table (``outbox_rows.py`` has the SQL), one
relay at a time per database (a transaction-scoped advisory lock), woken by LISTEN/NOTIFY."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms_platform.messaging.notify_listener import NotifyListener
from lms_platform.messaging.outbox import DEFAULT_NOTIFY_CHANNEL
from lms_platform.messaging.outbox_rows import (
    ClaimedRow,
    Retry,
    claim_due_rows,
    count_parked_by_topic,
    count_pending,
    delete_rows,
    park_rows,
    relay_lock_id,
    schedule_retries,
)

__all__ = ["SqlOutboxStore"]


class _SqlBatch:
    def __init__(self, session: AsyncSession, rows: list[ClaimedRow]) -> None:
        self._session = session
        self.rows = rows

    async def settle(
        self, published: Sequence[Any], retries: Sequence[Retry], parked: Sequence[Retry]
    ) -> None:
        await delete_rows(self._session, list(published))
        await schedule_retries(self._session, retries)
        await park_rows(self._session, parked)


class SqlOutboxStore:
    def __init__(
        self, engine: AsyncEngine, notify_channel: str | None = DEFAULT_NOTIFY_CHANNEL
    ) -> None:
        self._engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._lock_id = relay_lock_id()
        self._listener: NotifyListener | None = None
        self._notify_channel = notify_channel

    @contextlib.asynccontextmanager
    async def claim(self, limit: int) -> AsyncIterator[_SqlBatch | None]:
        async with self._sessions() as session, session.begin():
            if not await session.scalar(select(func.pg_try_advisory_xact_lock(self._lock_id))):
                yield None  # another replica (or an admin action) holds the table
                return
            yield _SqlBatch(session, await claim_due_rows(session, limit))

    async def count_pending(self) -> int:
        async with self._engine.connect() as connection:
            return await count_pending(connection)

    async def count_parked_by_topic(self) -> dict[str, int]:
        async with self._engine.connect() as connection:
            return await count_parked_by_topic(connection)

    async def listen(self, wake: Callable[[], None]) -> None:
        if self._listener is None:
            self._listener = NotifyListener(self._engine, self._notify_channel, wake)
        await self._listener.ensure()

    async def close(self) -> None:
        if self._listener is not None:
            await self._listener.close()
