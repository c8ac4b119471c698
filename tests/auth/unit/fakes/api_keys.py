"""API keys and import jobs."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from lms.auth.domain.api_keys import ApiKey, ApiKeyStatus
from lms.auth.domain.csv_rows import AccountRow
from lms.auth.domain.imports import ImportJob
from lms_platform.kernel.pagination import Page, PageRequest
from tests.auth.unit.fakes.tables import ById, Table, copy, page_of


class FakeApiKeys(ById[ApiKey]):
    async def save(self, key: ApiKey) -> None:
        stored = self.table.visible()[key.id]
        # Uses are counted only by record_use, as in the SQL adapter.
        self.table.pending[key.id] = dataclasses.replace(
            key, usage_count=stored.usage_count, last_used_at=stored.last_used_at
        )

    async def list_for_college(
        self, college_id: UUID, status: ApiKeyStatus | None, now: datetime, page: PageRequest
    ) -> Page[ApiKey]:
        found = [
            copy(k)
            for k in self.items()
            if k.college_id == college_id and (status is None or k.status(now) is status)
        ]
        return page_of(sorted(found, key=lambda k: (k.created_at, k.id), reverse=True), page)

    async def record_use(self, key_id: UUID, now: datetime) -> bool:
        key = self.table.visible().get(key_id)
        if key is None or key.status(now) is not ApiKeyStatus.ACTIVE:
            return False
        self.table.pending[key_id] = dataclasses.replace(
            key, usage_count=key.usage_count + 1, last_used_at=now
        )
        return True


class FakeImportJobs(ById[ImportJob]):
    """Jobs and their rows; no locking (unit tests run one worker)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows_table = Table()

    async def add(self, job: ImportJob, rows: Sequence[AccountRow] = ()) -> None:
        await super().add(job)
        self.rows_table.pending[job.id] = list(rows)

    async def save(self, job: ImportJob) -> None:
        self.table.pending[job.id] = copy(job)

    async def claim_next(self) -> ImportJob | None:
        oldest = min(
            (j for j in self.items() if not j.is_finished), key=lambda j: j.created_at, default=None
        )
        return copy(oldest) if oldest else None

    async def lock(self, job_id: UUID) -> ImportJob | None:
        return await self.get(job_id)

    async def rows(self, job_id: UUID, start: int, limit: int) -> list[AccountRow]:
        return list(self.rows_table.visible().get(job_id, [])[start : start + limit])

    async def delete_rows(self, job_id: UUID) -> None:
        self.rows_table.pending[job_id] = []
