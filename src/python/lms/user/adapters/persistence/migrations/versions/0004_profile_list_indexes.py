"""Indexes for lists that scale: keyset orders and trigram search.

Each sort of ``GET /users`` gets a btree index ``(tenant_id, <sort column>, id)``, so a page is
an index range scan of ``limit + 1`` rows however deep it is (the old ``(tenant_id,
display_name)`` index lacked the tie-breaker). ``q`` is ``ILIKE '%…%'`` on the display name and
the email, served by GIN trigram indexes (pg_trgm, a trusted extension: the database owner may
create it) instead of a scan of every profile.

Revision ID: 0004_profile_list_indexes
Revises: 0003_outbox_parking
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004_profile_list_indexes"
down_revision: str | None = "0003_outbox_parking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # IF [NOT] EXISTS: a rerun after a failure part-way (or over a stamped revision) is safe.
    op.drop_index("ix_profiles_tenant_name", table_name="profiles", if_exists=True)
    for name, column in (("name", "display_name"), ("email", "email"), ("created", "created_at")):
        op.create_index(
            f"ix_profiles_tenant_{name}_id",
            "profiles",
            ["tenant_id", column, "id"],
            if_not_exists=True,
        )
    for column in ("display_name", "email"):
        op.create_index(
            f"ix_profiles_{column}_trgm",
            "profiles",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
            if_not_exists=True,
        )


def downgrade() -> None:
    for column in ("display_name", "email"):
        op.drop_index(f"ix_profiles_{column}_trgm", table_name="profiles")
    for name in ("name", "email", "created"):
        op.drop_index(f"ix_profiles_tenant_{name}_id", table_name="profiles")
    op.create_index("ix_profiles_tenant_name", "profiles", ["tenant_id", "display_name"])
    # pg_trgm stays: other objects may have come to depend on it.
