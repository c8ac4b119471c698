"""The background worker that runs account import jobs, one batch per transaction.

Every auth process runs one. Jobs are claimed with ``FOR UPDATE SKIP LOCKED`` per batch, so
workers in several processes share the queue, and a job left ``running`` by a crashed process
is simply claimed again. An upload in this process wakes its worker at once; other workers see
the job at their next poll.
"""

from __future__ import annotations

import asyncio
import contextlib

from dishka import AsyncContainer

from lms.auth.application.imports import RunImportBatch
from lms_platform.logging import get_logger

_log = get_logger("lms.auth.imports")


class ImportWakeup:
    """``ImportQueueSignal`` for this process."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def job_queued(self) -> None:
        self.event.set()


class ImportWorker:
    def __init__(
        self, container: AsyncContainer, wakeup: ImportWakeup, poll_seconds: float
    ) -> None:
        self._container, self._wakeup, self._poll = container, wakeup, poll_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="auth-import-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def run_once(self) -> bool:
        async with self._container() as request:
            batch = await request.get(RunImportBatch)
            return await batch()

    async def _run(self) -> None:
        while True:
            self._wakeup.event.clear()  # before looking: an upload from here on wakes the wait
            try:
                worked = await self.run_once()
            except Exception as exc:  # the job is marked failed or will be resumed; keep going
                _log.exception("import_batch_failed", error_type=type(exc).__name__)
                worked = False
            if worked:
                await asyncio.sleep(0)  # let requests in between batches
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.event.wait(), timeout=self._poll)
