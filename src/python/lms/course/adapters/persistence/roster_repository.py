"""Roster import jobs, their rows, and the sourcedId links."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms.course.adapters.persistence.mapping import flush
from lms.course.adapters.persistence.models import (
    RosterImportRecord,
    RosterImportRowRecord,
    SourceLinkRecord,
)
from lms.course.domain.roster import RosterRow, RowError
from lms.course.domain.roster_jobs import ImportStatus, RosterImport, SourceLink

_JOB_FIELDS = (
    "tenant_id", "created_by", "modes", "counts", "errors_truncated", "max_errors", "total",
    "valid_rows", "next_position", "batch_size", "failure_reason", "created_at", "started_at",
    "finished_at", "updated_at",
)  # fmt: skip


def _job(record: RosterImportRecord) -> RosterImport:
    return RosterImport(
        id=record.id, status=ImportStatus(record.status),
        errors=[RowError(**e) for e in record.errors],  # type: ignore[arg-type]
        **{name: getattr(record, name) for name in _JOB_FIELDS},
    )  # fmt: skip


def _copy(record: RosterImportRecord, job: RosterImport) -> None:
    for name in _JOB_FIELDS:
        setattr(record, name, getattr(job, name))
    record.status = job.status.value
    record.errors = [_error(e) for e in job.errors]
    record.counts = {
        file: dict(counts) for file, counts in job.counts.items()
    }  # a new value: JSONB change seen


def _error(error: RowError) -> dict[str, object]:
    return {
        "file": error.file,
        "line": error.line,
        "field": error.field,
        "code": str(error.code),
        "message": error.message,
    }


class SqlAlchemyRosterImports:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: RosterImport, rows: Sequence[RosterRow]) -> None:
        record = RosterImportRecord(id=job.id)
        _copy(record, job)
        self._session.add(record)
        await flush(self._session)
        batch = [
            {
                "job_id": job.id,
                "position": position,
                "file": row.file,
                "line": row.line,
                "sourced_id": row.sourced_id,
                "deleted": row.deleted,
                "modified": row.modified,
                "fields": row.fields,
            }  # fmt: skip
            for position, row in enumerate(rows)
        ]
        for start in range(0, len(batch), 2_000):  # stay far below the bind-parameter limit
            await self._session.execute(insert(RosterImportRowRecord), batch[start : start + 2_000])

    async def get(self, job_id: UUID) -> RosterImport | None:
        record = await self._session.get(RosterImportRecord, job_id, populate_existing=True)
        return _job(record) if record else None

    async def claim_next(self) -> RosterImport | None:
        query = (
            select(RosterImportRecord)
            .where(RosterImportRecord.finished_at.is_(None))
            .order_by(RosterImportRecord.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        record = (await self._session.execute(query)).scalar_one_or_none()
        return _job(record) if record else None

    async def lock(self, job_id: UUID) -> RosterImport | None:
        query = (
            select(RosterImportRecord)
            .where(RosterImportRecord.id == job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        record = (await self._session.execute(query)).scalar_one_or_none()
        return _job(record) if record else None

    async def rows(self, job_id: UUID, start: int, limit: int) -> list[RosterRow]:
        query = (
            select(RosterImportRowRecord)
            .where(RosterImportRowRecord.job_id == job_id, RosterImportRowRecord.position >= start)
            .order_by(RosterImportRowRecord.position)
            .limit(limit)
        )
        return [
            RosterRow(
                file=r.file,
                line=r.line,
                sourced_id=r.sourced_id,
                deleted=r.deleted,
                modified=r.modified,
                fields=dict(r.fields),
            )  # fmt: skip
            for r in (await self._session.execute(query)).scalars()
        ]

    async def save(self, job: RosterImport) -> None:
        record = await self._session.get(RosterImportRecord, job.id)
        if record is None:
            raise LookupError(f"import job {job.id} was not loaded")
        _copy(record, job)
        await flush(self._session)

    async def delete_rows(self, job_id: UUID) -> None:
        await self._session.execute(
            delete(RosterImportRowRecord).where(RosterImportRowRecord.job_id == job_id)
        )


class SqlAlchemySourceLinks:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, kind: str, sourced_id: str) -> SourceLink | None:
        record = await self._session.get(
            SourceLinkRecord, (tenant_id, kind, sourced_id), populate_existing=True
        )
        if record is None:
            return None
        return SourceLink(
            tenant_id=record.tenant_id, kind=record.kind, sourced_id=record.sourced_id,
            entity_id=record.entity_id, digest=record.digest, modified=record.modified,
            deleted=record.deleted, detail=dict(record.detail),
        )  # fmt: skip

    async def put(self, link: SourceLink) -> None:
        values = {
            "tenant_id": link.tenant_id, "kind": link.kind, "sourced_id": link.sourced_id,
            "entity_id": link.entity_id, "digest": link.digest, "modified": link.modified,
            "deleted": link.deleted, "detail": link.detail,
        }  # fmt: skip
        statement = insert(SourceLinkRecord).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "kind", "sourced_id"],
            set_={
                k: statement.excluded[k]
                for k in ("entity_id", "digest", "modified", "deleted", "detail")
            },
        )
        await self._session.execute(statement)
