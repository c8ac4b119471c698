"""A background purge: ``start()`` runs ``purge_once()`` at once and then every ``interval``
seconds until ``stop()``. A failing pass (the database may be down) is logged and tried again at
the next interval, so the task never dies. ``ProcessedMessagePurger`` (PostgreSQL) and
``MongoOutboxKeyPurger`` (MongoDB) are the two."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod

__all__ = ["PeriodicPurge"]

logger = logging.getLogger(__name__)


class PeriodicPurge(ABC):
    #: what a pass deletes, for the log lines ("processed message record(s)")
    purged_things: str = "record(s)"

    def __init__(self, *, interval: float, task_name: str) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._interval = interval
        self._task_name = task_name
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    @abstractmethod
    async def purge_once(self) -> int:
        """One pass; returns how many went."""

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
        self._task = asyncio.create_task(self._run(), name=self._task_name)

    async def stop(self) -> None:
        self._stopping.set()
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()  # a batch in flight rolls back; it goes next time
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                deleted = await self.purge_once()
            except Exception as exc:  # the database may be down: try again next interval
                logger.warning("purging %s failed: %s", self.purged_things, exc)
            else:
                if deleted:
                    logger.info("purged %d %s", deleted, self.purged_things)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)
