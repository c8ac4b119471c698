"""Rubrics (one per assignment, criteria as JSON) and the latest rubric assessment of each
submission. New tables only.

Revision ID: 0004_rubrics
Revises: 0003_list_indexes
Create Date: 2026-12-02 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004_rubrics"
down_revision: str | None = "0003_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rubrics",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("criteria", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("points_possible", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rubrics")),
        sa.UniqueConstraint("tenant_id", "assignment_id", name="uq_rubrics_assignment"),
    )
    op.create_table(
        "rubric_assessments",
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("rubric_id", sa.Uuid(), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.Column("criteria", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("score", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("assessor_id", sa.String(length=255), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_rubric_assessments_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_rubric_assessments")),
    )
    op.create_index(
        "ix_rubric_assessments_rubric", "rubric_assessments", ["rubric_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_rubric_assessments_rubric", table_name="rubric_assessments")
    op.drop_table("rubric_assessments")
    op.drop_table("rubrics")
