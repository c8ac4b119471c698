"""Account import jobs and their validated rows (migration 0005)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import DefaultBase
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    delete,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from lms.auth.domain.csv_rows import AccountRow, RowError
from lms.auth.domain.imports import ImportJob, ImportStatus

_UNFINISHED = (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)


class ImportJobRecord(DefaultBase):
    __tablename__ = "import_jobs"
    __table_args__ = (
        Index(
            "ix_import_jobs_unfinished",
            "created_at",
            postgresql_where="status IN ('queued', 'running')",
        ),
        Index("ix_import_jobs_college", "college_id", "created_at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    college_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("colleges.id", ondelete="CASCADE"), nullable=False
    )
    created_by: Mapped[UUID | None] = mapped_column(Uuid, nullable=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    batch_size: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_rows: Mapped[int] = mapped_column(Integer, nullable=False)
    next_position: Mapped[int] = mapped_column(Integer, nullable=False)
    created: Mapped[int] = mapped_column(Integer, nullable=False)
    skipped_existing: Mapped[int] = mapped_column(Integer, nullable=False)
    failed: Mapped[int] = mapped_column(Integer, nullable=False)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    errors_truncated: Mapped[bool] = mapped_column(Boolean, nullable=False)
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class ImportJobRowRecord(DefaultBase):
    __tablename__ = "import_job_rows"

    job_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[int] = mapped_column(Integer, nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)


def _error_to_json(error: RowError) -> dict[str, Any]:
    return {"line": error.line, "field": error.field, "code": error.code, "message": error.message}


def _to_domain(record: ImportJobRecord) -> ImportJob:
    return ImportJob(
        id=record.id,
        college_id=record.college_id,
        created_by=record.created_by,
        status=ImportStatus(record.status),
        batch_size=record.batch_size,
        total=record.total,
        valid_rows=record.valid_rows,
        next_position=record.next_position,
        created=record.created,
        skipped_existing=record.skipped_existing,
        failed=record.failed,
        errors=[RowError(**error) for error in record.errors],
        errors_truncated=record.errors_truncated,
        failure_reason=record.failure_reason,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        updated_at=record.updated_at,
    )


def _copy(record: ImportJobRecord, job: ImportJob) -> None:
    record.college_id = job.college_id
    record.created_by = job.created_by
    record.status = job.status.value
    record.batch_size = job.batch_size
    record.total = job.total
    record.valid_rows = job.valid_rows
    record.next_position = job.next_position
    record.created = job.created
    record.skipped_existing = job.skipped_existing
    record.failed = job.failed
    record.errors = [_error_to_json(e) for e in job.errors]
    record.errors_truncated = job.errors_truncated
    record.failure_reason = job.failure_reason
    record.created_at = job.created_at
    record.started_at = job.started_at
    record.finished_at = job.finished_at
    record.updated_at = job.updated_at


class SqlAlchemyImportJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: ImportJob, rows: Sequence[AccountRow]) -> None:
        record = ImportJobRecord(id=job.id)
        _copy(record, job)
        self._session.add(record)
        await self._session.flush()  # the job row first: the rows reference it
        self._session.add_all(
            ImportJobRowRecord(
                job_id=job.id,
                position=position,
                line=row.line,
                email=row.email,
                display_name=row.display_name,
                roles=list(row.roles),
            )
            for position, row in enumerate(rows)
        )

    async def get(self, job_id: UUID) -> ImportJob | None:
        record = await self._session.get(ImportJobRecord, job_id)
        return _to_domain(record) if record is not None else None

    async def claim_next(self) -> ImportJob | None:
        record = await self._session.scalar(
            select(ImportJobRecord)
            .where(ImportJobRecord.status.in_(_UNFINISHED))
            .order_by(ImportJobRecord.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        return _to_domain(record) if record is not None else None

    async def lock(self, job_id: UUID) -> ImportJob | None:
        record = await self._session.scalar(
            select(ImportJobRecord)
            .where(ImportJobRecord.id == job_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return _to_domain(record) if record is not None else None

    async def rows(self, job_id: UUID, start: int, limit: int) -> list[AccountRow]:
        records = await self._session.scalars(
            select(ImportJobRowRecord)
            .where(ImportJobRowRecord.job_id == job_id, ImportJobRowRecord.position >= start)
            .order_by(ImportJobRowRecord.position)
            .limit(limit)
        )
        return [
            AccountRow(
                line=r.line, email=r.email, display_name=r.display_name, roles=tuple(r.roles)
            )
            for r in records
        ]

    async def save(self, job: ImportJob) -> None:
        record = await self._session.get(ImportJobRecord, job.id)
        if record is None:
            raise LookupError(f"import job {job.id} was not loaded in this unit of work")
        _copy(record, job)

    async def delete_rows(self, job_id: UUID) -> None:
        await self._session.execute(
            delete(ImportJobRowRecord)
            .where(ImportJobRowRecord.job_id == job_id)
            .execution_options(synchronize_session=False)
        )
