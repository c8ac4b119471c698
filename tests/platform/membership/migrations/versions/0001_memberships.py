"""The memberships table through the platform's migration step, and processed_messages.

Revision ID: 0001
Revises:
"""

from alembic import op

from lms_platform.membership.migrations import create_memberships_table
from lms_platform.messaging.models import ProcessedMessage

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ProcessedMessage.__table__.create(op.get_bind())  # type: ignore[attr-defined]
    create_memberships_table()


def downgrade() -> None:
    op.drop_table("memberships")
    op.drop_table("processed_messages")
