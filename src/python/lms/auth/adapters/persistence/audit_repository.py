"""The audit log table. Only inserts and filtered, paged reads: the log is append-only."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.persistence.models import AuditEntryRecord
from lms.auth.application.ports import AuditQuery
from lms.auth.domain.audit import AuditAction, AuditEntry, AuditOutcome
from lms_platform.kernel.pagination import Page, PageRequest


def _to_domain(record: AuditEntryRecord) -> AuditEntry:
    return AuditEntry(
        id=record.id,
        occurred_at=record.occurred_at,
        action=AuditAction(record.action),
        outcome=AuditOutcome(record.outcome),
        college_id=record.college_id,
        actor_id=record.actor_id,
        target_type=record.target_type,
        target_id=record.target_id,
        client_ip=record.client_ip,
        details=record.details,
    )


def _conditions(query: AuditQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.college_id is not None:
        conditions.append(AuditEntryRecord.college_id == query.college_id)
    if query.action is not None:
        conditions.append(AuditEntryRecord.action == query.action.value)
    if query.outcome is not None:
        conditions.append(AuditEntryRecord.outcome == query.outcome.value)
    if query.actor_id is not None:
        conditions.append(AuditEntryRecord.actor_id == query.actor_id)
    if query.target_id is not None:
        conditions.append(AuditEntryRecord.target_id == query.target_id)
    if query.since is not None:
        conditions.append(AuditEntryRecord.occurred_at >= query.since)
    if query.until is not None:
        conditions.append(AuditEntryRecord.occurred_at < query.until)
    return conditions


class SqlAlchemyAuditLogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, entry: AuditEntry) -> None:
        self._session.add(
            AuditEntryRecord(
                id=entry.id,
                occurred_at=entry.occurred_at,
                college_id=entry.college_id,
                actor_id=entry.actor_id,
                action=entry.action.value,
                outcome=entry.outcome.value,
                target_type=entry.target_type,
                target_id=entry.target_id,
                client_ip=entry.client_ip,
                details=entry.details,
            )
        )

    async def search(self, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        conditions = _conditions(query)
        total = await self._session.scalar(
            select(func.count()).select_from(AuditEntryRecord).where(*conditions)
        )
        rows = await self._session.scalars(
            select(AuditEntryRecord)
            .where(*conditions)
            .order_by(AuditEntryRecord.occurred_at.desc(), AuditEntryRecord.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return Page(
            items=[_to_domain(r) for r in rows],
            total=total or 0,
            limit=page.limit,
            offset=page.offset,
        )
