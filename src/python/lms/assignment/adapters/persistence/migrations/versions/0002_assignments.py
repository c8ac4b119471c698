"""Assignments, their overrides, course late policies, and the read models of courses and
memberships (the platform's table, from lms_platform.membership).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from lms_platform.membership.migrations import create_memberships_table, drop_memberships_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column(
            "section_ids",
            postgresql.ARRAY(sa.Uuid()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unlock_at", _TZ, nullable=True),
        sa.Column("due_at", _TZ, nullable=True),
        sa.Column("lock_at", _TZ, nullable=True),
        sa.Column("due_order", _TZ, nullable=False),
        sa.Column("points_possible", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("grading_type", sa.String(length=16), nullable=False),
        sa.Column("submission_types", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.Column("allowed_extensions", postgresql.ARRAY(sa.String(length=10)), nullable=False),
        sa.Column("max_file_bytes", sa.BigInteger(), nullable=True),
        sa.Column("multiple_files", sa.Boolean(), nullable=False),
        sa.Column("allowed_attempts", sa.Integer(), nullable=False),
        sa.Column("anonymous_grading", sa.Boolean(), nullable=False),
        sa.Column("grade_posting", sa.String(length=16), nullable=False),
        sa.Column("announce_before_unlock", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("published_at", _TZ, nullable=True),
        sa.Column("deleted_at", _TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    op.create_index(
        "ix_assignments_course_due",
        "assignments",
        ["tenant_id", "course_id", "due_order", "id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_assignments_course_version",
        "assignments",
        ["tenant_id", "course_id"],
        postgresql_include=["version"],
    )
    op.create_index(
        "ix_assignments_course_created",
        "assignments",
        ["tenant_id", "course_id", "created_at", "id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "assignment_overrides",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("fields", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("unlock_at", _TZ, nullable=True),
        sa.Column("due_at", _TZ, nullable=True),
        sa.Column("lock_at", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assignments.id"],
            name=op.f("fk_assignment_overrides_assignment_id_assignments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_overrides")),
        sa.UniqueConstraint(
            "assignment_id",
            "target",
            "target_id",
            name=op.f("uq_assignment_overrides_assignment_id"),
        ),
    )
    op.create_index(
        "ix_assignment_overrides_target", "assignment_overrides", ["target_id", "assignment_id"]
    )
    op.create_table(
        "late_policies",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("late_deduction_enabled", sa.Boolean(), nullable=False),
        sa.Column("late_deduction_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("late_interval", sa.String(length=8), nullable=False),
        sa.Column("minimum_percent_enabled", sa.Boolean(), nullable=False),
        sa.Column("minimum_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("missing_deduction_enabled", sa.Boolean(), nullable=False),
        sa.Column("missing_deduction_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_late_policies")),
    )
    op.create_table(
        "known_courses",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_known_courses")),
    )
    create_memberships_table()


def downgrade() -> None:
    drop_memberships_table()
    op.drop_table("known_courses")
    op.drop_table("late_policies")
    op.drop_table("assignment_overrides")
    op.drop_table("assignments")
