"""The membership read model (``lms_platform.membership``): who is in which section, from the
course service's ``enrollment.*`` events; every query's visibility is built from it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from lms_platform.membership.migrations import create_memberships_table, drop_memberships_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_memberships_table()


def downgrade() -> None:
    drop_memberships_table()
