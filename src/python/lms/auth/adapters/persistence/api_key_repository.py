"""API keys in PostgreSQL. A use is counted by one conditional UPDATE, so concurrent
exchanges never lose a count and a committed revocation always wins."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.persistence.models import ApiKeyRecord
from lms.auth.domain.api_keys import ApiKey, ApiKeyStatus
from lms_platform.kernel.pagination import Page, PageRequest


def _to_domain(record: ApiKeyRecord) -> ApiKey:
    return ApiKey(
        id=record.id,
        college_id=record.college_id,
        name=record.name,
        scopes=tuple(record.scopes),
        secret_hash=record.secret_hash,
        previous_secret_hash=record.previous_secret_hash,
        previous_valid_until=record.previous_valid_until,
        created_at=record.created_at,
        created_by=record.created_by,
        expires_at=record.expires_at,
        rotated_at=record.rotated_at,
        revoked_at=record.revoked_at,
        last_used_at=record.last_used_at,
        usage_count=record.usage_count,
    )


def _copy(record: ApiKeyRecord, key: ApiKey) -> None:
    # usage_count and last_used_at are written only by ``record_use``: a save after a rotation
    # must not overwrite uses counted meanwhile.
    record.college_id = key.college_id
    record.name = key.name
    record.scopes = list(key.scopes)
    record.secret_hash = key.secret_hash
    record.previous_secret_hash = key.previous_secret_hash
    record.previous_valid_until = key.previous_valid_until
    record.created_at = key.created_at
    record.created_by = key.created_by
    record.expires_at = key.expires_at
    record.rotated_at = key.rotated_at
    record.revoked_at = key.revoked_at


def _usable(now: datetime) -> ColumnElement[bool]:
    return and_(
        ApiKeyRecord.revoked_at.is_(None),
        or_(ApiKeyRecord.expires_at.is_(None), ApiKeyRecord.expires_at > now),
    )


def _status_condition(status: ApiKeyStatus, now: datetime) -> ColumnElement[bool]:
    if status is ApiKeyStatus.REVOKED:
        return ApiKeyRecord.revoked_at.is_not(None)
    if status is ApiKeyStatus.EXPIRED:
        return and_(ApiKeyRecord.revoked_at.is_(None), ApiKeyRecord.expires_at <= now)
    return _usable(now)


class SqlAlchemyApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, key_id: UUID) -> ApiKey | None:
        record = await self._session.get(ApiKeyRecord, key_id)
        return _to_domain(record) if record is not None else None

    async def add(self, key: ApiKey) -> None:
        record = ApiKeyRecord(id=key.id, usage_count=key.usage_count, last_used_at=None)
        _copy(record, key)
        self._session.add(record)

    async def save(self, key: ApiKey) -> None:
        record = await self._session.get(ApiKeyRecord, key.id)
        if record is None:
            raise LookupError(f"API key {key.id} was not loaded in this unit of work")
        _copy(record, key)

    async def list_for_college(
        self, college_id: UUID, status: ApiKeyStatus | None, now: datetime, page: PageRequest
    ) -> Page[ApiKey]:
        conditions = [ApiKeyRecord.college_id == college_id]
        if status is not None:
            conditions.append(_status_condition(status, now))
        total = await self._session.scalar(
            select(func.count()).select_from(ApiKeyRecord).where(*conditions)
        )
        records = await self._session.scalars(
            select(ApiKeyRecord)
            .where(*conditions)
            .order_by(ApiKeyRecord.created_at.desc(), ApiKeyRecord.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return Page(
            items=[_to_domain(r) for r in records],
            total=total or 0,
            limit=page.limit,
            offset=page.offset,
        )

    async def record_use(self, key_id: UUID, now: datetime) -> bool:
        used = await self._session.scalar(
            update(ApiKeyRecord)
            .where(ApiKeyRecord.id == key_id, _usable(now))
            .values(usage_count=ApiKeyRecord.usage_count + 1, last_used_at=now)
            .returning(ApiKeyRecord.id)
            .execution_options(synchronize_session=False)
        )
        return used is not None
