"""Schema steps for the messaging tables, called from each service's Alembic migrations so every
service creates and changes its ``outbox`` the same way. Frozen once released: a migration that
has run must mean the same thing forever, so a later change is a new function (``..._v2``),
never an edit of one that exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

__all__ = [
    "add_outbox_parking",
    "create_messaging_tables_v0",
    "create_messaging_tables_v1",
    "drop_messaging_tables_v0",
    "drop_messaging_tables_v1",
    "drop_outbox_parking",
]


def create_messaging_tables_v0() -> None:
    """``outbox`` before parking (no ``state``, ``next_attempt_at``, ``parked_at``; a later
    migration calls ``add_outbox_parking``) and ``processed_messages``, as the course service's
    first migration created them."""
    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=249), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_processed_messages")),
    )
    op.create_index(
        "ix_processed_messages_processed_at", "processed_messages", ["processed_at"], unique=False
    )


def drop_messaging_tables_v0() -> None:
    op.drop_table("processed_messages")
    op.drop_table("outbox")


def create_messaging_tables_v1() -> None:
    """``outbox`` (with parking: ``state``, ``next_attempt_at``, ``parked_at``) and
    ``processed_messages``, as the first migration of assignment, submission, search and
    notification created them (and of every service generated since)."""
    op.create_table(
        "outbox",
        sa.Column(
            "id", sa.BigInteger(), sa.Identity(always=False, start=1, increment=1), nullable=False
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=249), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("state IN ('pending', 'parked')", name=op.f("ck_outbox_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at", "id"],
        unique=False,
        postgresql_where="state = 'pending'",
    )
    op.create_index(
        "ix_outbox_parked",
        "outbox",
        ["topic", "id"],
        unique=False,
        postgresql_where="state = 'parked'",
    )
    op.create_index("ix_outbox_topic_key", "outbox", ["topic", "key", "id"], unique=False)
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.String(length=255), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer", "message_id", name=op.f("pk_processed_messages")),
    )
    op.create_index(
        "ix_processed_messages_processed_at", "processed_messages", ["processed_at"], unique=False
    )


def drop_messaging_tables_v1() -> None:
    op.drop_table("processed_messages")
    op.drop_table("outbox")


# name -> definition; each built CONCURRENTLY, so writers are never blocked while it builds.
_PARKING_INDEXES = {
    "ix_outbox_due": "ON outbox (next_attempt_at, id) WHERE state = 'pending'",
    "ix_outbox_topic_key": "ON outbox (topic, key, id)",
    "ix_outbox_parked": "ON outbox (topic, id) WHERE state = 'parked'",
}


def add_outbox_parking() -> None:
    """Rows get a ``state`` (pending or parked), a ``next_attempt_at`` and a ``parked_at``.

    Safe on a live, busy table:
    - the columns' defaults are constants for PostgreSQL (``now()`` is evaluated once), so adding
      them changes the catalogue only and rewrites no row; existing rows become pending and due;
    - ``lock_timeout`` makes the ALTER give up rather than queue behind a long transaction, since
      a queued ACCESS EXCLUSIVE request would block every writer behind it;
    - the CHECK is added NOT VALID and validated after the commit, under a lock that lets writes
      go on; the indexes are built CONCURRENTLY outside the transaction (Alembic's autocommit
      block, which commits the migrations before it first).
    Re-running after a failure is safe: a half-built (invalid) index is dropped and rebuilt.
    """
    op.execute("SET LOCAL lock_timeout = '10s'")
    op.execute(
        "ALTER TABLE outbox"
        " ADD COLUMN IF NOT EXISTS state VARCHAR(16) DEFAULT 'pending' NOT NULL,"
        " ADD COLUMN IF NOT EXISTS next_attempt_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,"
        " ADD COLUMN IF NOT EXISTS parked_at TIMESTAMP WITH TIME ZONE"
    )
    op.execute(
        "DO $$ BEGIN"
        " IF NOT EXISTS (SELECT 1 FROM pg_constraint"
        "  WHERE conrelid = 'outbox'::regclass AND conname = 'ck_outbox_state') THEN"
        "  ALTER TABLE outbox ADD CONSTRAINT ck_outbox_state"
        "   CHECK (state IN ('pending', 'parked')) NOT VALID;"
        " END IF;"
        " END $$"
    )
    with op.get_context().autocommit_block():
        op.execute("ALTER TABLE outbox VALIDATE CONSTRAINT ck_outbox_state")
        for name, definition in _PARKING_INDEXES.items():
            _drop_if_invalid(name)
            op.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}")


def drop_outbox_parking() -> None:
    """Undo ``add_outbox_parking``; parked rows become ordinary pending rows again."""
    with op.get_context().autocommit_block():
        for name in _PARKING_INDEXES:
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    op.execute("SET LOCAL lock_timeout = '10s'")
    op.execute(
        "ALTER TABLE outbox"
        " DROP CONSTRAINT IF EXISTS ck_outbox_state,"
        " DROP COLUMN IF EXISTS parked_at,"
        " DROP COLUMN IF EXISTS next_attempt_at,"
        " DROP COLUMN IF EXISTS state"
    )


def _drop_if_invalid(name: str) -> None:
    # A failed CREATE INDEX CONCURRENTLY leaves an invalid index that IF NOT EXISTS would keep.
    # (A plain DROP: DO runs in a transaction. It is brief, and only after a failed build.)
    op.execute(
        "DO $$ BEGIN"
        f" IF EXISTS (SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('{name}')"
        "  AND NOT indisvalid) THEN"
        f"  EXECUTE 'DROP INDEX {name}';"
        " END IF;"
        " END $$"
    )
