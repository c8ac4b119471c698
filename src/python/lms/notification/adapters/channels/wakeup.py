"""Wakes this process's delivery worker when a delivery was queued here."""

from __future__ import annotations

from lms_platform.runtime import JobWakeup


class DeliveryQueueSignal(JobWakeup):
    def delivery_queued(self) -> None:
        self.job_queued()
