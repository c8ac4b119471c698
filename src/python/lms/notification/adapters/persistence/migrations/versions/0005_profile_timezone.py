"""Recipients keep their profile's time zone (``user.*`` events); a user's own choice in
``preferences.timezone`` becomes optional (null: follow the profile).

Revision ID: 0005_profile_timezone
Revises: 0004_templates
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_profile_timezone"
down_revision: str | None = "0004_templates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recipients", sa.Column("timezone", sa.String(length=64), nullable=True))
    op.alter_column("preferences", "timezone", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE preferences SET timezone = 'UTC' WHERE timezone IS NULL")
    op.alter_column("preferences", "timezone", existing_type=sa.String(length=64), nullable=False)
    op.drop_column("recipients", "timezone")
