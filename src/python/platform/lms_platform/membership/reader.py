"""``MembershipReader`` over the ``memberships`` table, on Core rows (no identity map, so a read
never leaves records in a session that later applies an enrollment).

A membership read must never make a request hold two pooled connections: with as many requests
as the pool has connections, each would hold one and wait for a second that nobody releases.

- ``SqlMembershipReader``: each read in a short session of its own, released before it returns.
  For code that holds no session while it reads (APP-scoped queries on short sessions).
- ``RequestMembershipReader``: the one to provide at REQUEST scope. It reads in the request's
  (or consumed message's) transaction when one is open, on the connection already held; else
  in a short session of its own, so it holds no connection afterwards (a short read of another
  reader, a storage call or a streamed body may follow).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole
from lms_platform.membership.models import MembershipRecord

_TABLE = MembershipRecord.__table__
_COLUMNS = (
    _TABLE.c.tenant_id,
    _TABLE.c.user_id,
    _TABLE.c.section_id,
    _TABLE.c.course_id,
    _TABLE.c.role,
    _TABLE.c.state,
    _TABLE.c.observed_user_id,
)


def _live(condition: ColumnElement[bool], tenant_id: str) -> Select[Any]:
    return select(*_COLUMNS).where(
        condition, _TABLE.c.tenant_id == tenant_id, _TABLE.c.deleted_at.is_(None)
    )


async def _read(session: AsyncSession, statement: Select[Any]) -> list[Membership]:
    rows = (await session.execute(statement)).all()
    return [
        Membership(
            tenant_id=row.tenant_id,
            user_id=row.user_id,
            section_id=row.section_id,
            course_id=row.course_id,
            role=SectionRole(row.role),
            state=EnrollmentState(row.state),
            observed_user_id=row.observed_user_id,
        )
        for row in rows
    ]


class SqlMembershipReader:
    """Each read in a short session of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]:
        return await self._fetch(_live(_TABLE.c.user_id == user_id, tenant_id))

    async def in_section(self, tenant_id: str, section_id: UUID) -> Sequence[Membership]:
        return await self._fetch(_live(_TABLE.c.section_id == section_id, tenant_id))

    async def in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Membership]:
        return await self._fetch(_live(_TABLE.c.course_id == course_id, tenant_id))

    async def _fetch(self, statement: Select[Any]) -> list[Membership]:
        async with self._sessions() as session:
            return await _read(session, statement)


class RequestMembershipReader(SqlMembershipReader):
    """Reads in ``session``'s open transaction, else in a short session of its own: never a
    second connection, and none held after the read that the request did not hold before."""

    def __init__(self, session: AsyncSession, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(sessions)
        self._session = session

    async def _fetch(self, statement: Select[Any]) -> list[Membership]:
        if self._session.in_transaction():
            return await _read(self._session, statement)
        return await super()._fetch(statement)
