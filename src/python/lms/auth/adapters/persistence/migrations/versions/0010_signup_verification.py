"""Self-signup waits for email verification: a college setting (on by default) and the
account's flag that it is not usable yet.

Both columns have a constant default, which PostgreSQL 11+ stores in the catalogue: no table
rewrite, no backfill, only a brief ACCESS EXCLUSIVE lock (see docs/migrations.md).

Revision ID: 0010_signup
Revises: 0009
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_signup"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "colleges",
        sa.Column(
            "signup_requires_verification",
            sa.Boolean(),
            nullable=False,
            server_default=sa.true(),
        ),
    )
    op.add_column(
        "accounts",
        sa.Column("awaits_verification", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("accounts", "awaits_verification")
    op.drop_column("colleges", "signup_requires_verification")
