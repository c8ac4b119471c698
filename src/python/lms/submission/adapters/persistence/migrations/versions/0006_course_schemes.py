"""Each course's grading scheme, copied from the course service's ``course.*`` events
(``grading_scheme_copies``). A new table only.

Revision ID: 0006_course_schemes
Revises: 0005_student_names
Create Date: 2026-12-02 18:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_course_schemes"
down_revision: str | None = "0005_student_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grading_scheme_copies",
        sa.Column("course_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("scheme", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_grading_scheme_copies")),
    )


def downgrade() -> None:
    op.drop_table("grading_scheme_copies")
