"""Profiles follow their accounts: per-field account event times; emails no longer unique.

``account_field_times`` orders auth's account events field by field (see
``Profile.apply_account``). The unique index on live emails goes: auth owns that rule, and an
account's event must not be refused because another account's event has not arrived yet.

Revision ID: 0002_account_sync
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_account_sync"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column(
        "profiles",
        sa.Column(
            "account_field_times",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )
    op.drop_index("uq_profiles_tenant_email_live", table_name="profiles")


def downgrade() -> None:
    # Fails if two live profiles of a college now share an email, which is the point of going.
    op.create_index(
        "uq_profiles_tenant_email_live",
        "profiles",
        ["tenant_id", "email"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_column("profiles", "account_field_times")
