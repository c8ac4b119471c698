"""Maps ``Profile`` aggregates to ``profiles`` rows: advanced-alchemy's repository for the unit of
work, plain sessions for reads (one profile, and keyset pages of a college's list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import Row, Select, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.user.adapters.persistence.models import ProfileRecord
from lms.user.application.ports import ProfileFilter
from lms.user.domain.model import Preferences, Profile, ProfileStatus
from lms_platform.kernel.pagination import TOTAL_CAP, CursorPage, CursorPageRequest
from lms_platform.persistence.keyset import KeysetOrder, fetch_cursor_page


class _ProfileRecords(SQLAlchemyAsyncRepository[ProfileRecord]):
    model_type = ProfileRecord


def to_domain(record: ProfileRecord | Row[Any]) -> Profile:
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
        account_field_times={
            name: datetime.fromisoformat(at) for name, at in record.account_field_times.items()
        },
        account_field_versions=dict(record.account_field_versions),
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
    record.account_field_times = {
        name: at.isoformat() for name, at in profile.account_field_times.items()
    }
    record.account_field_versions = dict(profile.account_field_versions)


class SqlAlchemyProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._records = _ProfileRecords(session=session, auto_commit=False, auto_refresh=False)

    async def get(self, profile_id: object) -> Profile | None:
        record = await self._session.get(ProfileRecord, profile_id)
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


# Reads need no transaction: on an autocommit connection a read is its one statement, with no
# BEGIN and ROLLBACK around it (two round trips fewer), and a plain row skips the ORM's
# identity map. Writes go through the unit of work and its repository above.
_READ_ONLY = {"isolation_level": "AUTOCOMMIT"}
_PROFILES = ProfileRecord.__table__
_BY_ID = select(_PROFILES).where(_PROFILES.c.id == bindparam("profile_id"))


class SqlAlchemyProfileReader:
    """Opens a short session only when a read reaches the database (a cache miss)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, profile_id: object) -> Profile | None:
        async with self._sessions() as session:
            connection = await session.connection(execution_options=_READ_ONLY)
            row = (await connection.execute(_BY_ID, {"profile_id": profile_id})).first()
            return to_domain(row) if row is not None else None

    async def search(self, criteria: ProfileFilter, page: CursorPageRequest) -> CursorPage[Profile]:
        field = criteria.sort.removeprefix("-")
        order = KeysetOrder(_ORDER_COLUMNS[field], descending=criteria.sort.startswith("-"))
        async with self._sessions() as session:
            await session.connection(execution_options=_READ_ONLY)
            return await fetch_cursor_page(
                session, _matching(criteria), order, page, to_domain,
                total_cap=SEARCH_TOTAL_CAP if criteria.search else TOTAL_CAP,
                count_in_page=bool(criteria.search),
            )  # fmt: skip


# A search's total is counted up to 100 matches ("100+" beyond): its count reads every match
# it counts, which is the cost that grows with the college (1 % of 100,000 profiles is 1,000
# rows to read for a name), and nobody pages through hundreds of search hits.
SEARCH_TOTAL_CAP = 100

# Each order ends with the primary key, and each has an index (tenant_id, column, id): see
# migration 0003. Unknown sorts are refused by the use case before they get here.
_ORDER_COLUMNS = {
    "display_name": (_PROFILES.c.display_name, _PROFILES.c.id),
    "email": (_PROFILES.c.email, _PROFILES.c.id),
    "created_at": (_PROFILES.c.created_at, _PROFILES.c.id),
}


def _matching(criteria: ProfileFilter) -> Select[Any]:
    """The college's matching rows, as plain rows (a page needs no ORM objects)."""
    columns = _PROFILES.c
    statement = select(_PROFILES).where(columns.tenant_id == criteria.tenant_id)
    if criteria.search:
        # Served by the trigram indexes on both columns (pg_trgm, migration 0003).
        pattern = f"%{_escape_like(criteria.search)}%"
        statement = statement.where(
            or_(columns.display_name.ilike(pattern), columns.email.ilike(pattern))
        )
    if criteria.role:
        statement = statement.where(columns.roles.contains([criteria.role]))
    if criteria.status is not None:
        statement = statement.where(columns.status == criteria.status.value)
    elif not criteria.include_deleted:
        statement = statement.where(columns.status != ProfileStatus.DELETED.value)
    return statement


def _escape_like(text: str) -> str:
    """``text`` matched literally: backslash is PostgreSQL's default LIKE escape character."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
