"""Deletes consumers' dedup records (``processed_messages``) once they are older than the
retention: a duplicate of a message can only arrive while the message is still in its topic,
so a record older than every consumed topic's retention guards nothing.

Deletes run in small batches, each in its own short transaction, so a large first purge never
holds locks for long. Several replicas may purge at once; they only share the work.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from lms_platform.messaging.models import purge_processed_messages
from lms_platform.messaging.periodic import PeriodicPurge

if TYPE_CHECKING:
    from lms_platform.config import ServiceSettings

__all__ = ["ProcessedMessagePurger"]


class ProcessedMessagePurger(PeriodicPurge):
    """``start()`` purges at once and then every ``interval`` seconds until ``stop()``."""

    purged_things = "processed message record(s) older than the retention"

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
        super().__init__(
            interval=interval, task_name=f"{service_name or 'service'}-processed-message-purger"
        )
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._retention = retention
        self._batch_size = batch_size

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
