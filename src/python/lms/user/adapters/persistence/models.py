"""The ``profiles`` table. Tables of this service live only in this service's database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.base import UUIDBase
from sqlalchemy import DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column


class ProfileRecord(UUIDBase):
    __tablename__ = "profiles"
    __table_args__ = (
        # One live profile per email per college; a deleted one frees the address.
        Index(
            "uq_profiles_tenant_email_live",
            "tenant_id",
            "email",
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_profiles_tenant_name", "tenant_id", "display_name"),
        Index("ix_profiles_roles", "roles", postgresql_using="gin"),
    )

    tenant_id: Mapped[str] = mapped_column(String(64), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    display_name: Mapped[str] = mapped_column(String(100), nullable=False)
    avatar_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    bio: Mapped[str | None] = mapped_column(Text, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    locale: Mapped[str] = mapped_column(String(35), nullable=False)
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # The domain bumps ``version``; SQLAlchemy adds "AND version = <loaded>" to each UPDATE,
    # so a concurrent writer makes the flush fail instead of silently overwriting.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
