"""A queue worker: a runtime background task that runs one use case in a loop, one unit of work
per turn, woken at once by its own process and polling for work queued by others.

Work is claimed with ``FOR UPDATE SKIP LOCKED``, so workers in several processes share a queue,
and work left half-done by a crashed process is simply claimed again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from dishka import AsyncContainer

from lms_platform.logging import get_logger

_log = get_logger("lms.auth.background")


class Wakeup:
    """The in-process signal a use case gives when it queued work."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def wake(self) -> None:
        self.event.set()


class QueueWorker:
    # The use case of one turn (``await job() -> bool``: was there work?) and its wake-up.
    job: ClassVar[type[Callable[[], Awaitable[bool]]]]
    wakeup_type: ClassVar[type[Wakeup]]
    task_name: ClassVar[str]

    def __init__(self, container: AsyncContainer, poll_seconds: float) -> None:
        self._container, self._poll = container, poll_seconds
        self._wakeup: Wakeup = self.wakeup_type()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._wakeup = await self._container.get(self.wakeup_type)
        self._task = asyncio.create_task(self._run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> bool:
        async with self._container() as request:
            turn: Any = await request.get(self.job)
            return bool(await turn())

    async def _run(self) -> None:
        while True:
            self._wakeup.event.clear()  # before looking: work queued from here on wakes the wait
            try:
                worked = await self.run_once()
            except Exception as exc:  # the work is marked failed or will be resumed; keep going
                _log.exception(
                    "background_turn_failed", task=self.task_name, error_type=type(exc).__name__
                )
                worked = False
            if worked:
                await asyncio.sleep(0)  # let requests in between turns
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.event.wait(), timeout=self._poll)
