"""A course's own grading scheme: ``courses.grading_scheme``, JSONB, NULL for the default
scheme (a nullable column: catalogue only, no rewrite, nothing to backfill).

Revision ID: 0006_grading_scheme
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_grading_scheme"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("courses", sa.Column("grading_scheme", postgresql.JSONB(), nullable=True))


def downgrade() -> None:
    op.drop_column("courses", "grading_scheme")
