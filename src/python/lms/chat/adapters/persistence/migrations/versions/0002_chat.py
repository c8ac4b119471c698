"""Rooms, members, messages, read markers, mutes and the membership read model.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lms_platform.membership.migrations import create_memberships_table, drop_memberships_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    create_memberships_table()
    op.create_table(
        "chat_rooms",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=True),
        sa.Column("section_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("body_in_events", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_rooms")),
    )
    op.create_index("ix_chat_rooms_tenant", "chat_rooms", ["tenant_id", "kind"])
    op.create_table(
        "chat_room_members",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_chat_room_members")),
    )
    op.create_index("ix_chat_room_members_user", "chat_room_members", ["user_id"])
    op.create_table(
        "chat_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("edited_at", _TS, nullable=True),
        sa.Column("deleted_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
        sa.UniqueConstraint("room_id", "seq", name="uq_chat_messages_room_seq"),
        sa.UniqueConstraint("room_id", "sender_id", "client_id", name="uq_chat_messages_client_id"),
    )
    op.create_table(
        "chat_read_markers",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_chat_read_markers")),
    )
    op.create_table(
        "chat_mutes",
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("until", _TS, nullable=False),
        sa.Column("muted_by", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("room_id", "user_id", name=op.f("pk_chat_mutes")),
    )


def downgrade() -> None:
    for table in ("chat_mutes", "chat_read_markers", "chat_messages", "chat_room_members"):
        op.drop_table(table)
    op.drop_table("chat_rooms")
    drop_memberships_table()
