"""Messaging tables, declared on advanced-alchemy's default registry so every service's Alembic
metadata (``advanced_alchemy.base.orm_registry.metadata``) includes them without extra wiring.

``outbox`` rows are deleted once the broker has acknowledged them: Kafka is the durable log of
published events, so the table only ever holds the backlog, its index stays tiny, and no
retention job is needed. ``processed_messages`` grows with consumption; purge old rows with
``purge_processed_messages`` (a duplicate older than the topic's retention cannot arrive).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from advanced_alchemy.base import DefaultBase, IdentityBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import Index, LargeBinary, String, Text, Uuid, delete, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["OutboxMessage", "ProcessedMessage", "purge_processed_messages"]


class OutboxMessage(IdentityBase):
    """One event waiting to be published. ``id`` is the publication order (identity, monotonic)."""

    __tablename__ = "outbox"

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


class ProcessedMessage(DefaultBase):
    """A message a consumer has applied; inserted in the same transaction as its effects."""

    __tablename__ = "processed_messages"
    __table_args__ = (Index("ix_processed_messages_processed_at", "processed_at"),)

    consumer: Mapped[str] = mapped_column(String(255), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(
        DateTimeUTC(timezone=True), server_default=func.now()
    )


async def purge_processed_messages(session: AsyncSession, older_than: datetime) -> int:
    """Delete dedup records older than ``older_than``; the caller commits. Returns the count."""
    result = await session.execute(
        delete(ProcessedMessage).where(ProcessedMessage.processed_at < older_than)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
