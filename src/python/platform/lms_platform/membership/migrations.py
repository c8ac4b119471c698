"""Schema step for the ``memberships`` table, called from a service's Alembic migration. Frozen
once released (as ``lms_platform.messaging.outbox_migrations``): a later change is a new
function, never an edit of this one."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__ = ["create_memberships_table", "drop_memberships_table"]


def create_memberships_table() -> None:
    op.create_table(
        "memberships",
        sa.Column("enrollment_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("observed_user_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_memberships")),
    )
    op.create_index("ix_memberships_user", "memberships", ["tenant_id", "user_id"])
    op.create_index("ix_memberships_section", "memberships", ["tenant_id", "section_id"])
    op.create_index("ix_memberships_course", "memberships", ["tenant_id", "course_id"])


def drop_memberships_table() -> None:
    op.drop_table("memberships")
