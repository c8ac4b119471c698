"""Email templates moved to the notification service: auth's store is retired.

A table that still holds versions is dropped only once they were carried over (exported, then
``notification import-auth-templates``; docs/services/notification.md, *Carrying auth's
templates over*) and the operator says so with ``LMS_AUTH_EMAIL_TEMPLATES_CARRIED_OVER=1``;
without it the migration stops and drops nothing. An empty table goes at once. The downgrade
brings the table back empty: what was carried over lives in the notification service.

Revision ID: 0012_drop_email_templates
Revises: 0011_reset_queue
Create Date: 2026-12-02
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_drop_email_templates"
down_revision: str | None = "0011_reset_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIRMATION = "LMS_AUTH_EMAIL_TEMPLATES_CARRIED_OVER"


def upgrade() -> None:
    rows = op.get_bind().execute(sa.text("SELECT count(*) FROM email_templates")).scalar_one()
    if rows and os.environ.get(CONFIRMATION) != "1":
        raise RuntimeError(
            f"email_templates holds {rows} versions: carry them over to the notification "
            f"service first (docs/services/notification.md, 'Carrying auth's templates over'), "
            f"then migrate again with {CONFIRMATION}=1"
        )
    op.execute("DROP TRIGGER email_templates_immutable ON email_templates")
    op.execute("DROP FUNCTION email_templates_are_immutable()")
    op.drop_table("email_templates")


def downgrade() -> None:
    op.create_table(
        "email_templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("college_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["college_id"],
            ["colleges.id"],
            name=op.f("fk_email_templates_college_id_colleges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_templates")),
        sa.UniqueConstraint("college_id", "kind", "version", name="uq_email_templates_version"),
    )
    op.execute(
        """
        CREATE FUNCTION email_templates_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'email template versions are immutable'
                USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER email_templates_immutable BEFORE UPDATE ON email_templates "
        "FOR EACH ROW EXECUTE FUNCTION email_templates_are_immutable()"
    )
