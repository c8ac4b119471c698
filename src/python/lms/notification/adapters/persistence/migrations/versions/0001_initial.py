"""The outbox and processed-messages tables of the messaging library, as they were when the
service was generated. The helper's v1 is frozen: it builds them exactly as this migration
always has (tests/platform/messaging/test_messaging_tables.py); a later change is a
migration of its own.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from lms_platform.messaging.outbox_migrations import (
    create_messaging_tables_v1,
    drop_messaging_tables_v1,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables_v1()


def downgrade() -> None:
    drop_messaging_tables_v1()
