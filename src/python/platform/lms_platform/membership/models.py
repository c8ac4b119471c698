"""The ``memberships`` table, on advanced-alchemy's registry like the outbox, so a service's
Alembic metadata includes it once its ``env.py`` imports this module."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import DefaultBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column


class MembershipRecord(DefaultBase):
    """One enrollment as last seen; ``deleted_at`` set means a tombstone (kept so an older event
    arriving late cannot bring it back)."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("ix_memberships_user", "tenant_id", "user_id"),
        Index("ix_memberships_section", "tenant_id", "section_id"),
        Index("ix_memberships_course", "tenant_id", "course_id"),
    )

    enrollment_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    section_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    course_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    role: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    observed_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
