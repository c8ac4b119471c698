"""Signing keys can be revoked (a suspected leak): unpublished at once; and published ahead of
signing (``activates_at``) when rotated in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "signing_keys", sa.Column("activates_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "signing_keys", sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("signing_keys", "revoked_at")
    op.drop_column("signing_keys", "activates_at")
