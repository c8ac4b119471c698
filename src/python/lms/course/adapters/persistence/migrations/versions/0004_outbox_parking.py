"""Outbox rows can be parked: ``state``, ``next_attempt_at``, ``parked_at`` and the relay's
claim indexes (``lms_platform.messaging.outbox_migrations``; no table rewrite, indexes built
concurrently outside the migration's transaction).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from lms_platform.messaging.outbox_migrations import add_outbox_parking, drop_outbox_parking

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_outbox_parking()


def downgrade() -> None:
    drop_outbox_parking()
