"""A OneRoster import job: a validated bundle's rows, applied in batches by a worker.

Counts per file: ``total`` rows = ``failed`` (refused at upload or when applied) +
``created`` + ``updated`` + ``deleted`` + ``unchanged`` once the job has succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms.course.domain.roster import FILES, RowError

OUTCOMES = ("created", "updated", "deleted", "unchanged", "failed")


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def empty_counts(totals: dict[str, int]) -> dict[str, dict[str, int]]:
    return {name: {"total": totals.get(name, 0), **dict.fromkeys(OUTCOMES, 0)} for name in FILES}


@dataclass(slots=True, kw_only=True)
class RosterImport:
    id: UUID
    tenant_id: str
    created_by: str
    status: ImportStatus
    modes: dict[str, str]
    counts: dict[str, dict[str, int]]
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    max_errors: int = 1_000
    total: int
    valid_rows: int
    next_position: int = 0
    batch_size: int
    failure_reason: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def processed(self) -> int:
        refused_at_upload = self.total - self.valid_rows
        return refused_at_upload + self.next_position

    def add_errors(self, errors: list[RowError]) -> None:
        room = self.max_errors - len(self.errors)
        self.errors.extend(errors[: max(room, 0)])
        if len(errors) > room:
            self.errors_truncated = True

    def count(self, file: str, outcome: str) -> None:
        self.counts[file][outcome] += 1

    def start(self, now: datetime) -> None:
        if self.status is ImportStatus.QUEUED:
            self.status, self.started_at, self.updated_at = ImportStatus.RUNNING, now, now

    def batch_done(self, rows: int, now: datetime) -> None:
        self.next_position += rows
        self.updated_at = now
        if self.next_position >= self.valid_rows:
            self.status, self.finished_at = ImportStatus.SUCCEEDED, now

    def fail(self, reason: str, now: datetime) -> None:
        self.status, self.failure_reason = ImportStatus.FAILED, reason
        self.finished_at = self.updated_at = now


@dataclass(slots=True, kw_only=True)
class SourceLink:
    """What a OneRoster ``sourcedId`` became here, and the row content last applied."""

    tenant_id: str
    kind: str
    sourced_id: str
    entity_id: UUID | None
    digest: str
    modified: datetime | None
    deleted: bool
    detail: dict[str, str] = field(default_factory=dict)
