"""A college's customised role → permission rows."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.persistence.models import RolePermissionRecord


class SqlAlchemyRolePermissionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def overrides(self, college_id: UUID) -> dict[str, frozenset[str]]:
        rows = await self._session.execute(
            select(RolePermissionRecord.role, RolePermissionRecord.permissions).where(
                RolePermissionRecord.college_id == college_id
            )
        )
        return {role: frozenset(permissions) for role, permissions in rows}

    async def put(
        self,
        college_id: UUID,
        role: str,
        permissions: frozenset[str],
        now: datetime,
        actor_id: UUID | None,
    ) -> None:
        values = {"permissions": sorted(permissions), "updated_at": now, "updated_by": actor_id}
        await self._session.execute(
            insert(RolePermissionRecord)
            .values(college_id=college_id, role=role, **values)
            .on_conflict_do_update(
                index_elements=[RolePermissionRecord.college_id, RolePermissionRecord.role],
                set_=values,
            )
        )

    async def remove(self, college_id: UUID, role: str) -> bool:
        result = await self._session.execute(
            delete(RolePermissionRecord).where(
                RolePermissionRecord.college_id == college_id, RolePermissionRecord.role == role
            )
        )
        return bool(getattr(result, "rowcount", 0))
