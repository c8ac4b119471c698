"""Maps ``Profile`` aggregates to ``profiles`` rows through advanced-alchemy's repository."""

from __future__ import annotations

import msgspec
from advanced_alchemy.filters import LimitOffset, OrderBy, SearchFilter
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.user.adapters.persistence.models import ProfileRecord
from lms.user.application.ports import ProfileFilter
from lms.user.domain.model import Preferences, Profile, ProfileStatus
from lms_platform.kernel.pagination import Page, PageRequest

_SORTABLE = {"display_name", "email", "created_at", "updated_at"}


class _ProfileRecords(SQLAlchemyAsyncRepository[ProfileRecord]):
    model_type = ProfileRecord


def to_domain(record: ProfileRecord) -> Profile:
    return Profile(
        id=record.id,
        tenant_id=record.tenant_id,
        email=record.email,
        display_name=record.display_name,
        avatar_url=record.avatar_url,
        bio=record.bio,
        timezone=record.timezone,
        locale=record.locale,
        roles=tuple(record.roles),
        status=ProfileStatus(record.status),
        preferences=msgspec.convert(record.preferences, Preferences),
        created_at=record.created_at,
        updated_at=record.updated_at,
        deleted_at=record.deleted_at,
        version=record.version,
    )


def _copy_into(record: ProfileRecord, profile: Profile) -> None:
    record.tenant_id = profile.tenant_id
    record.email = profile.email
    record.display_name = profile.display_name
    record.avatar_url = profile.avatar_url
    record.bio = profile.bio
    record.timezone = profile.timezone
    record.locale = profile.locale
    record.roles = list(profile.roles)
    record.status = profile.status.value
    record.preferences = msgspec.to_builtins(profile.preferences)
    record.created_at = profile.created_at
    record.updated_at = profile.updated_at
    record.deleted_at = profile.deleted_at
    record.version = profile.version


class SqlAlchemyProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._records = _ProfileRecords(session=session, auto_commit=False, auto_refresh=False)

    async def get(self, profile_id: object) -> Profile | None:
        record = await self._session.get(ProfileRecord, profile_id)
        return to_domain(record) if record is not None else None

    async def get_by_email(self, tenant_id: str, email: str) -> Profile | None:
        record = await self._records.get_one_or_none(
            tenant_id=tenant_id, email=email, deleted_at=None
        )
        return to_domain(record) if record is not None else None

    async def add(self, profile: Profile) -> None:
        record = ProfileRecord(id=profile.id)
        _copy_into(record, profile)
        self._session.add(record)

    async def save(self, profile: Profile) -> None:
        # The record is already in the session's identity map (loaded by ``get``): no query.
        record = await self._session.get(ProfileRecord, profile.id)
        if record is None:
            raise LookupError(f"profile {profile.id} was not loaded in this unit of work")
        _copy_into(record, profile)

    async def search(self, criteria: ProfileFilter, page: PageRequest) -> Page[Profile]:
        filters: list[object] = [LimitOffset(limit=page.limit, offset=page.offset)]
        conditions: list[ColumnElement[bool]] = [ProfileRecord.tenant_id == criteria.tenant_id]
        if criteria.search:
            filters.append(
                SearchFilter(
                    field_name={"display_name", "email"},
                    value=criteria.search,
                    ignore_case=True,
                    escape_wildcards=True,
                )
            )
        if criteria.role:
            conditions.append(ProfileRecord.roles.contains([criteria.role]))
        if criteria.status is not None:
            conditions.append(ProfileRecord.status == criteria.status.value)
        elif not criteria.include_deleted:
            conditions.append(ProfileRecord.status != ProfileStatus.DELETED.value)
        sort_field = criteria.sort.lstrip("-")
        if sort_field not in _SORTABLE:
            sort_field = "display_name"
        filters.append(
            OrderBy(
                field_name=sort_field, sort_order="desc" if criteria.sort.startswith("-") else "asc"
            )
        )
        filters.append(OrderBy(field_name="id", sort_order="asc"))  # stable pages on ties
        records, total = await self._records.get_many_and_count(*filters, *conditions)  # type: ignore[arg-type]
        return Page(
            items=[to_domain(r) for r in records], total=total, limit=page.limit, offset=page.offset
        )


class SqlAlchemyProfileReader:
    """Opens a short session only when a read reaches the database (a cache miss)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, profile_id: object) -> Profile | None:
        async with self._sessions() as session:
            record = await session.get(ProfileRecord, profile_id)
            return to_domain(record) if record is not None else None


async def count_profiles(session: AsyncSession) -> int:
    """Used by tests and the devstack to prove what was (not) written."""
    return int(
        (await session.execute(select(func.count()).select_from(ProfileRecord))).scalar_one()
    )
