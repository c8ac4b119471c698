"""The background worker that handles queued password-reset requests, one per transaction
(``application/credentials/reset.py``): the HTTP request only queues, so its cost says nothing
about whether the account exists."""

from __future__ import annotations

from dishka import AsyncContainer

from lms.auth.adapters.background import QueueWorker, Wakeup
from lms.auth.application.credentials.reset import ProcessPasswordReset
from lms.auth.config import AuthSettings


class ResetWakeup(Wakeup):
    """``ResetQueueSignal`` for this process."""

    def request_queued(self) -> None:
        self.wake()


class PasswordResetWorker(QueueWorker):
    job = ProcessPasswordReset
    wakeup_type = ResetWakeup
    task_name = "auth-password-reset-worker"

    @classmethod
    def background(
        cls, container: AsyncContainer, settings: AuthSettings
    ) -> PasswordResetWorker | None:
        if not settings.run_reset_worker:
            return None
        return cls(container, settings.reset_poll_seconds)
