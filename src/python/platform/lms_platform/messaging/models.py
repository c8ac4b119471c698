"""Messaging tables, declared on advanced-alchemy's default registry so every service's Alembic
metadata (``advanced_alchemy.base.orm_registry.metadata``) includes them without extra wiring.

``outbox`` rows are deleted once the broker has acknowledged them: Kafka is the durable log of
published events, so the table only holds the backlog and the parked rows. A row is ``pending``
until it is published, or ``parked`` when the broker will not take it (see ``relay.py``); a
parked row waits for an operator (``OutboxAdmin``). ``processed_messages`` grows with
consumption; ``ProcessedMessagePurger`` deletes what is older than the retention.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from advanced_alchemy.base import DefaultBase, IdentityBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import (
    CheckConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    Uuid,
    delete,
    func,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

__all__ = [
    "PARKED",
    "PENDING",
    "OutboxMessage",
    "ProcessedMessage",
    "purge_processed_messages",
]

PENDING: Final = "pending"
PARKED: Final = "parked"


class OutboxMessage(IdentityBase):
    """One event waiting to be published. ``id`` is the publication order (identity, monotonic)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(f"state IN ('{PENDING}', '{PARKED}')", name="state"),
        # The relay's claim: pending rows in id order, skipping those not yet due, without a
        # heap visit for the skipped ones (next_attempt_at is checked inside the index).
        Index("ix_outbox_due", "next_attempt_at", "id", postgresql_where="state = 'pending'"),
        # "Is an earlier row of this key parked or waiting?", probed once per claimed row.
        Index("ix_outbox_topic_key", "topic", "key", "id"),
        # Parked rows by topic: the gauge and the admin list.
        Index("ix_outbox_parked", "topic", "id", postgresql_where="state = 'parked'"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    event_type: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(249))  # Kafka's own limit on topic names
    key: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    # The exact bytes to publish: no re-encoding between the write and the relay.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), server_default=func.now()
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    state: Mapped[str] = mapped_column(String(16), default=PENDING, server_default=PENDING)
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), server_default=func.now()
    )
    parked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ProcessedMessage(DefaultBase):
    """A message a consumer has applied; inserted in the same transaction as its effects."""

    __tablename__ = "processed_messages"
    __table_args__ = (Index("ix_processed_messages_processed_at", "processed_at"),)

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), server_default=func.now()
    )


async def purge_processed_messages(
    session: AsyncSession, older_than: datetime, *, limit: int | None = None
) -> int:
    """Delete dedup records older than ``older_than`` (at most ``limit`` of them, oldest
    first); the caller commits. Returns the count."""
    condition = ProcessedMessage.processed_at < older_than
    if limit is not None:
        oldest = (
            select(ProcessedMessage.consumer, ProcessedMessage.message_id)
            .where(condition)
            .order_by(ProcessedMessage.processed_at)
            .limit(limit)
        )
        condition = tuple_(ProcessedMessage.consumer, ProcessedMessage.message_id).in_(oldest)
    result = await session.execute(delete(ProcessedMessage).where(condition))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
