"""The membership read model (``lms_platform.membership``): who is an active student of which
section, for course events addressed to a section.

Revision ID: 0003_memberships
Revises: 0002_notifications
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from lms_platform.membership.migrations import (
    create_memberships_table,
    drop_memberships_table,
)

revision: str = "0003_memberships"
down_revision: str | None = "0002_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_memberships_table()


def downgrade() -> None:
    drop_memberships_table()
