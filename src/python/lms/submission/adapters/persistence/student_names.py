"""The students' names read model: its table and repository."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from advanced_alchemy.base import DefaultBase
from sqlalchemy import DateTime, Integer, String, Text, Uuid, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

_IDS_PER_QUERY = 5000  # bind parameters per statement stay far below PostgreSQL's 32767


class StudentNameRecord(DefaultBase):
    """A user's display name at the newest profile version heard of; a deleted user's row stays
    as a tombstone (no name, ``deleted_at``) so that an older event cannot bring it back."""

    __tablename__ = "student_names"

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SqlStudentNames:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def keep(
        self, tenant_id: str, user_id: uuid.UUID, display_name: str, version: int
    ) -> bool:
        row = pg_insert(StudentNameRecord).values(
            user_id=user_id, tenant_id=tenant_id, display_name=display_name, version=version,
            updated_at=func.now(),
        )  # fmt: skip
        statement = row.on_conflict_do_update(
            index_elements=[StudentNameRecord.user_id],
            set_={k: row.excluded[k] for k in ("display_name", "version", "updated_at")},
            where=(StudentNameRecord.version < row.excluded.version)
            & StudentNameRecord.deleted_at.is_(None)
            & (StudentNameRecord.tenant_id == tenant_id),
        ).returning(StudentNameRecord.user_id)
        return (await self._session.execute(statement)).first() is not None

    async def forget(self, tenant_id: str, user_id: uuid.UUID, deleted_at: datetime) -> bool:
        row = pg_insert(StudentNameRecord).values(
            user_id=user_id, tenant_id=tenant_id, display_name=None, version=0,
            deleted_at=deleted_at, updated_at=func.now(),
        )  # fmt: skip
        statement = row.on_conflict_do_update(
            index_elements=[StudentNameRecord.user_id],
            set_={k: row.excluded[k] for k in ("display_name", "deleted_at", "updated_at")},
            where=StudentNameRecord.deleted_at.is_(None)
            & (StudentNameRecord.tenant_id == tenant_id),
        ).returning(StudentNameRecord.user_id)
        return (await self._session.execute(statement)).first() is not None

    async def of(self, tenant_id: str, user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        ids, names = list(user_ids), dict[uuid.UUID, str]()
        for start in range(0, len(ids), _IDS_PER_QUERY):
            statement = select(StudentNameRecord.user_id, StudentNameRecord.display_name).where(
                StudentNameRecord.tenant_id == tenant_id,
                StudentNameRecord.user_id.in_(ids[start : start + _IDS_PER_QUERY]),
                StudentNameRecord.display_name.is_not(None),
            )
            for user_id, name in (await self._session.execute(statement)).tuples():
                if name is not None:
                    names[user_id] = name
        return names
