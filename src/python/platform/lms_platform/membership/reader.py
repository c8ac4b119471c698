"""``MembershipReader`` over the ``memberships`` table, each query in its own short session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_platform.kernel.membership import Membership
from lms_platform.membership.models import MembershipRecord
from lms_platform.membership.projection import to_membership


class SqlMembershipReader:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]:
        return await self._live(MembershipRecord.user_id == user_id, tenant_id)

    async def in_section(self, tenant_id: str, section_id: UUID) -> Sequence[Membership]:
        return await self._live(MembershipRecord.section_id == section_id, tenant_id)

    async def in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Membership]:
        return await self._live(MembershipRecord.course_id == course_id, tenant_id)

    async def _live(self, condition: Any, tenant_id: str) -> list[Membership]:
        statement = select(MembershipRecord).where(
            condition,
            MembershipRecord.tenant_id == tenant_id,
            MembershipRecord.deleted_at.is_(None),
        )
        async with self._sessions() as session:
            records = (await session.scalars(statement)).all()
        return [m for m in map(to_membership, records) if m is not None]
