"""``account_field_versions``: the account version (auth's ``account_version``) of the account
event that last set each account field, beside its time in ``account_field_times``; events are
ordered by version when both sides have one (see ``AccountStamp``).

Revision ID: 0005_account_field_versions
Revises: 0004_profile_list_indexes
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_account_field_versions"
down_revision: str | None = "0004_profile_list_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "profiles",
        sa.Column(
            "account_field_versions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("profiles", "account_field_versions")
