"""Keyset orders of GET /submissions: (college, assignment or student, hand-in time, id), so a
cursor page is an index range scan. Built concurrently (docs/migrations.md, rule 4); the
assignment index replaces the one without the id.

Revision ID: 0003_list_indexes
Revises: 0002_submissions
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_list_indexes"
down_revision: str | None = "0002_submissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_submissions_assignment_order", "submissions",
            ["tenant_id", "assignment_id", "created_at", "id"], postgresql_concurrently=True,
        )  # fmt: skip
        op.create_index(
            "ix_submissions_student_order", "submissions",
            ["tenant_id", "student_id", "created_at", "id"], postgresql_concurrently=True,
        )  # fmt: skip
        op.drop_index(
            "ix_submissions_assignment", table_name="submissions", postgresql_concurrently=True
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_submissions_assignment", "submissions", ["tenant_id", "assignment_id", "created_at"],
            postgresql_concurrently=True,
        )  # fmt: skip
        op.drop_index(
            "ix_submissions_student_order", table_name="submissions", postgresql_concurrently=True
        )
        op.drop_index(
            "ix_submissions_assignment_order", table_name="submissions",
            postgresql_concurrently=True,
        )  # fmt: skip
