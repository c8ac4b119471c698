"""Password-reset requests are queued and handled by a worker, so that asking costs the same
whether or not the account exists. A new, empty table: no lock on anything that exists.

Revision ID: 0011_reset_queue
Revises: 0010_signup
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_reset_queue"
down_revision: str | None = "0010_signup"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("college_slug", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )
    op.create_index(
        "ix_password_reset_requests_requested_at", "password_reset_requests", ["requested_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_password_reset_requests_requested_at", table_name="password_reset_requests")
    op.drop_table("password_reset_requests")
