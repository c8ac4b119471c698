"""The chat service's tables, declared on advanced-alchemy's registry (which the migrations
environment reads). The ``memberships`` read model is the platform's."""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import DefaultBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from lms_platform.membership import models as _memberships  # noqa: F401 - registers the table


class RoomRecord(DefaultBase):
    __tablename__ = "chat_rooms"
    __table_args__ = (Index("ix_chat_rooms_tenant", "tenant_id", "kind"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    section_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    body_in_events: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class RoomMemberRecord(DefaultBase):
    """Members of direct and group rooms (course and section rooms follow ``memberships``)."""

    __tablename__ = "chat_room_members"
    __table_args__ = (Index("ix_chat_room_members_user", "user_id"),)

    room_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)


class MessageRecord(DefaultBase):
    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_seq"),
        # NULL client ids never collide, so messages without one are not deduplicated.
        UniqueConstraint("room_id", "sender_id", "client_id", name="uq_chat_messages_client_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    room_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tenant_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    sender_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    body: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ReadMarkerRecord(DefaultBase):
    __tablename__ = "chat_read_markers"

    room_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)


class MuteRecord(DefaultBase):
    __tablename__ = "chat_mutes"

    room_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    until: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    muted_by: Mapped[uuid.UUID] = mapped_column(Uuid)
