"""An account import job: a validated file's rows, created in batches by a background worker.

Counts: ``total`` rows in the file = ``failed`` (refused at upload: invalid, formula or
duplicate rows) + ``created`` + ``skipped_existing`` (the email already had an account) once
the job has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms.auth.domain.csv_rows import RowError
from lms_platform.kernel.errors import InvalidInput


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(slots=True, kw_only=True)
class ImportJob:
    id: UUID
    college_id: UUID
    created_by: UUID | None
    status: ImportStatus = ImportStatus.QUEUED
    batch_size: int
    total: int
    valid_rows: int  # rows stored for the worker
    next_position: int = 0  # rows [0, next_position) are done
    created: int = 0
    skipped_existing: int = 0
    failed: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    failure_reason: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime

    @classmethod
    def queue(
        cls,
        *,
        id: UUID,
        college_id: UUID,
        created_by: UUID | None,
        batch_size: int,
        max_batch_size: int,
        total: int,
        valid_rows: int,
        errors: list[RowError],
        max_errors: int,
        now: datetime,
    ) -> ImportJob:
        if not 1 <= batch_size <= max_batch_size:
            raise InvalidInput(
                f"batch_size must be between 1 and {max_batch_size}", field="batch_size"
            )
        ordered = sorted(errors, key=lambda e: e.line)
        return cls(
            id=id,
            college_id=college_id,
            created_by=created_by,
            batch_size=batch_size,
            total=total,
            valid_rows=valid_rows,
            failed=total - valid_rows,
            errors=ordered[:max_errors],
            errors_truncated=len(ordered) > max_errors,
            created_at=now,
            updated_at=now,
        )

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def processed(self) -> int:
        """Rows settled so far, the refused ones included."""
        return self.failed + self.next_position

    @property
    def remaining(self) -> int:
        return self.valid_rows - self.next_position

    def start(self, now: datetime) -> None:
        if self.status is ImportStatus.QUEUED:
            self.status = ImportStatus.RUNNING
            self.started_at = now
            self.updated_at = now

    def batch_done(self, *, rows: int, created: int, skipped_existing: int, now: datetime) -> None:
        self.next_position += rows
        self.created += created
        self.skipped_existing += skipped_existing
        self.updated_at = now
        if self.remaining <= 0:
            self.status = ImportStatus.SUCCEEDED
            self.finished_at = now

    def fail(self, reason: str, now: datetime) -> None:
        self.status = ImportStatus.FAILED
        self.failure_reason = reason
        self.finished_at = now
        self.updated_at = now
