"""Background jobs a service runs in steps (imports, exports...): a worker that calls one
step use case per REQUEST scope in a loop, woken at once by work queued in this process and
polling for work queued elsewhere.

A step claims its work itself (``FOR UPDATE SKIP LOCKED``) and commits per step, so workers in
several processes share the queue and a crash loses at most the step in flight. The step
returns True when it did something (the worker goes on at once) and False when there was
nothing to do (the worker sleeps until woken or ``poll_seconds`` pass).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from dishka import AsyncContainer

from lms_platform.logging import get_logger

_log = get_logger("lms.runtime.jobs")

Step = Callable[[], Awaitable[bool]]


class JobWakeup:
    """Provide one per process (APP scope); use cases see it through their own port, e.g.
    ``ImportQueueSignal``, whose ``job_queued`` it implements."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def job_queued(self) -> None:
        self.event.set()


class JobWorker:
    """A runtime ``Background``: ``step_type`` is resolved from a fresh REQUEST scope per step."""

    def __init__(
        self,
        container: AsyncContainer,
        step_type: type[Any],
        *,
        poll_seconds: float,
        name: str,
        wakeup_type: type[JobWakeup] = JobWakeup,
    ) -> None:
        self._container, self._step_type, self._poll = container, step_type, poll_seconds
        self._name, self._wakeup_type = name, wakeup_type
        self._wakeup = JobWakeup()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._wakeup = await self._container.get(self._wakeup_type)
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> bool:
        async with self._container() as request:
            step = await request.get(self._step_type)
            return bool(await step())

    async def _run(self) -> None:
        while True:
            self._wakeup.event.clear()  # before looking: work queued from here on wakes the wait
            try:
                worked = await self.run_once()
            except Exception as exc:  # the step marked its job failed, or it will be resumed
                _log.exception("job_step_failed", worker=self._name, error_type=type(exc).__name__)
                worked = False
            if worked:
                await asyncio.sleep(0)  # let requests in between steps
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.event.wait(), timeout=self._poll)
