"""Credentials: self-signup and password age per college, password and email-verification
times per account, single-use credential tokens, versioned email templates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("colleges", sa.Column("password_max_age_days", sa.Integer(), nullable=True))
    op.add_column(
        "colleges",
        sa.Column("allow_self_signup", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "accounts", sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "accounts", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Existing passwords count from the account's creation: the best date known for them.
    op.execute(
        "UPDATE accounts SET password_changed_at = created_at WHERE password_hash IS NOT NULL"
    )
    op.create_table(
        "credential_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("college_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_credential_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_credential_tokens_token_hash")),
    )
    op.create_index(
        "ix_credential_tokens_account_purpose", "credential_tokens", ["account_id", "purpose"]
    )
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
    # A version, once written, is what was previewed and audited: the table refuses edits.
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


def downgrade() -> None:
    op.execute("DROP TRIGGER email_templates_immutable ON email_templates")
    op.execute("DROP FUNCTION email_templates_are_immutable()")
    op.drop_table("email_templates")
    op.drop_index("ix_credential_tokens_account_purpose", table_name="credential_tokens")
    op.drop_table("credential_tokens")
    op.drop_column("accounts", "email_verified_at")
    op.drop_column("accounts", "password_changed_at")
    op.drop_column("colleges", "allow_self_signup")
    op.drop_column("colleges", "password_max_age_days")
