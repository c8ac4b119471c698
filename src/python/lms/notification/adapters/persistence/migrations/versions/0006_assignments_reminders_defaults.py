"""The copy of assignments (``assignment.*``), who submitted what (``submission.*``), deadline
reminders, and colleges' default channel sets per type.

Revision ID: 0006_assignments_reminders
Revises: 0005_profile_timezone
Create Date: 2026-12-02
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_assignments_reminders"
down_revision: str | None = "0005_profile_timezone"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.String(length=64)
WHEN = sa.DateTime(timezone=True)


def _base(name: str) -> list[Any]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    ]


def upgrade() -> None:
    op.create_table(
        "college_channel_defaults",
        *_base("college_channel_defaults"),
        sa.Column("college_id", ID, nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("channels", postgresql.JSONB(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("updated_by", ID, nullable=False),
        sa.UniqueConstraint(
            "college_id", "type", name=op.f("uq_college_channel_defaults_college_id")
        ),
    )
    op.create_table(
        "tracked_assignments",
        *_base("tracked_assignments"),
        sa.Column("college_id", ID, nullable=False),
        sa.Column("assignment_id", ID, nullable=False),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("section_ids", postgresql.JSONB(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("due_at", WHEN, nullable=True),
        sa.Column("overrides", postgresql.JSONB(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("earliest_due_at", WHEN, nullable=True),
        sa.Column("latest_due_at", WHEN, nullable=True),
        sa.Column("replanned_at", WHEN, nullable=True),
        sa.UniqueConstraint(
            "college_id", "assignment_id", name=op.f("uq_tracked_assignments_college_id")
        ),
    )
    op.create_index(
        "ix_tracked_assignments_reminder_window",
        "tracked_assignments",
        ["earliest_due_at"],
        postgresql_where=sa.text("published AND NOT deleted"),
    )
    op.create_table(
        "submitted_assignments",
        *_base("submitted_assignments"),
        sa.Column("college_id", ID, nullable=False),
        sa.Column("assignment_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.UniqueConstraint(
            "college_id", "assignment_id", "account_id",
            name=op.f("uq_submitted_assignments_college_id"),
        ),  # fmt: skip
    )
    op.create_table(
        "reminders",
        *_base("reminders"),
        sa.Column("college_id", ID, nullable=False),
        sa.Column("assignment_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("remind_at", WHEN, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint(
            "college_id", "assignment_id", "account_id", "due_at",
            name=op.f("uq_reminders_college_id"),
        ),  # fmt: skip
    )
    op.create_index(
        "ix_reminders_due",
        "reminders",
        ["remind_at"],
        postgresql_where=sa.text("state = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminders_due", table_name="reminders")
    op.drop_index("ix_tracked_assignments_reminder_window", table_name="tracked_assignments")
    for table in (
        "reminders",
        "submitted_assignments",
        "tracked_assignments",
        "college_channel_defaults",
    ):
        op.drop_table(table)
