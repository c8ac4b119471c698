"""Templates per college x type x channel, immutable versions (a trigger refuses UPDATE).

Revision ID: 0004_templates
Revises: 0003_memberships
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_templates"
down_revision: str | None = "0003_memberships"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("college_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint(
            "college_id", "type", "channel", "version", name=op.f("uq_templates_college_id")
        ),
    )
    op.execute(
        """
        CREATE FUNCTION templates_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'template versions are immutable; write a new version';
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER templates_immutable BEFORE UPDATE ON templates"
        " FOR EACH ROW EXECUTE FUNCTION templates_are_immutable()"
    )


def downgrade() -> None:
    op.drop_table("templates")
    op.execute("DROP FUNCTION templates_are_immutable()")
