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
        # No unique email here: auth owns that rule, and a copy that enforced it would refuse
        # an account's event whenever another account's event is still on its way.
        Index("ix_profiles_roles", "roles", postgresql_using="gin"),
        # One per sort of the list, tie-breaker last: a keyset page is an index range scan.
        Index("ix_profiles_tenant_name_id", "tenant_id", "display_name", "id"),
        Index("ix_profiles_tenant_email_id", "tenant_id", "email", "id"),
        Index("ix_profiles_tenant_created_id", "tenant_id", "created_at", "id"),
        # ``q`` is ILIKE '%...%' on both columns: trigram indexes (pg_trgm).
        *(
            Index(
                f"ix_profiles_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )
            for column in ("display_name", "email")
        ),
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
    # Account field -> ISO time of the account event that last set it (Profile.apply_account).
    account_field_times: Mapped[dict[str, str]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    # Account field -> auth's account version of that event, when it carried one.
    account_field_versions: Mapped[dict[str, int]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )

    # The domain bumps ``version``; SQLAlchemy adds "AND version = <loaded>" to each UPDATE,
    # so a concurrent writer makes the flush fail instead of silently overwriting.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
