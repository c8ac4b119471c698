"""Deletes consumers' dedup records (``processed_messages``) once they are older than the
retention: a duplicate of a message can only arrive while the message is still in its topic,
so a record older than every consumed topic's retention guards nothing.

Deletes run in small batches, each in its own short transaction, so a large first purge never
holds locks for long. Several replicas may purge at once; they only share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from lms_platform.messaging.models import purge_processed_messages

if TYPE_CHECKING:
    from lms_platform.config import ServiceSettings

__all__ = ["ProcessedMessagePurger"]

logger = logging.getLogger(__name__)


class ProcessedMessagePurger:
    """``start()`` purges at once and then every ``interval`` seconds until ``stop()``."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        retention: timedelta,
        interval: float,
        batch_size: int = 5_000,
        service_name: str = "",
    ) -> None:
        if retention <= timedelta(0) or interval <= 0 or batch_size < 1:
            raise ValueError("retention, interval and batch_size must be positive")
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._retention = retention
        self._interval = interval
        self._batch_size = batch_size
        self._service = service_name
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @classmethod
    def from_settings(
        cls, engine: AsyncEngine, settings: ServiceSettings
    ) -> ProcessedMessagePurger:
        return cls(
            engine,
            retention=timedelta(seconds=settings.processed_messages_retention_seconds),
            interval=settings.processed_messages_purge_interval_seconds,
            service_name=settings.service_name,
        )

    @property
    def retention(self) -> timedelta:
        return self._retention

    @property
    def interval(self) -> float:
        return self._interval

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._task = asyncio.create_task(
            self._run(), name=f"{self._service or 'service'}-processed-message-purger"
        )

    async def stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()  # a batch in flight rolls back; it is deleted next time
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def purge_once(self, *, now: datetime | None = None) -> int:
        """Delete every record older than the retention; returns how many went."""
        cutoff = (now or datetime.now(UTC)) - self._retention
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                deleted = await purge_processed_messages(session, cutoff, limit=self._batch_size)
            total += deleted
            if deleted < self._batch_size:
                return total

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                deleted = await self.purge_once()
            except Exception as exc:  # the database may be down: try again next interval
                logger.warning("purging processed_messages failed: %s", exc)
            else:
                if deleted:
                    logger.info(
                        "purged %d processed message record(s) older than %s",
                        deleted, self._retention,
                    )  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
