"""The background worker that runs account import jobs, one batch per transaction.

Every auth process runs one. Jobs are claimed with ``FOR UPDATE SKIP LOCKED`` per batch, so
workers in several processes share the queue, and a job left ``running`` by a crashed process
is simply claimed again. An upload in this process wakes its worker at once; other workers see
the job at their next poll.
"""

from __future__ import annotations

from dishka import AsyncContainer

from lms.auth.adapters.background import QueueWorker, Wakeup
from lms.auth.application.imports import RunImportBatch
from lms.auth.config import AuthSettings


class ImportWakeup(Wakeup):
    """``ImportQueueSignal`` for this process."""

    def job_queued(self) -> None:
        self.wake()


class ImportWorker(QueueWorker):
    """A runtime background task; the wake-up is the container's, so uploads handled by this
    process's HTTP side reach this worker."""

    job = RunImportBatch
    wakeup_type = ImportWakeup
    task_name = "auth-import-worker"

    @classmethod
    def background(cls, container: AsyncContainer, settings: AuthSettings) -> ImportWorker | None:
        if not settings.run_import_worker:
            return None
        return cls(container, settings.import_poll_seconds)
