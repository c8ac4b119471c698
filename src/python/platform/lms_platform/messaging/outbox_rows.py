"""The relay's and the admin's SQL on the ``outbox`` table.

Claim rule: a row is claimed when it is ``pending``, due (``next_attempt_at <= now()``) and no
earlier row of its topic and key is parked or still waiting for its retry. Rows of other keys
keep flowing past a stuck row; rows of the same key wait behind it (held, not parked), so the
order within a key is kept. Retrying or discarding the stuck row releases them.

Cost per cycle: the claim walks pending rows in id order (``pk_outbox``, or ``ix_outbox_due``
when few rows are due) and stops after ``limit`` claims; each candidate costs one probe of
``ix_outbox_topic_key``. Nothing scans the table.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import (
    Exists,
    Interval,
    Select,
    Table,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from lms_platform.messaging.models import PARKED, PENDING, OutboxMessage

__all__ = [
    "ClaimedRow",
    "Retry",
    "claim_due_rows",
    "claim_statement",
    "count_parked_by_topic",
    "count_pending",
    "delete_rows",
    "park_rows",
    "relay_lock_id",
    "schedule_retries",
]

_outbox = cast(Table, OutboxMessage.__table__)


@dataclass(slots=True)
class ClaimedRow:
    id: Any  # the store's row id: an int on PostgreSQL, an ObjectId on MongoDB
    topic: str
    key: str
    headers: dict[str, str]
    payload: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class Retry:
    """A failed row to try again after ``delay``, having failed ``attempts`` times in all."""

    id: Any
    attempts: int
    delay: timedelta
    error: str


def relay_lock_id() -> int:
    """The advisory lock that lets one relay replica (or one admin action) work at a time."""
    return zlib.crc32(f"lms-outbox-relay:{_outbox.fullname}".encode())


def _blocked_by_an_earlier_row() -> Exists:
    earlier = aliased(OutboxMessage)
    probe = (
        select(literal(1)).where(
            earlier.topic == OutboxMessage.topic,
            earlier.key == OutboxMessage.key,
            earlier.id < OutboxMessage.id,
            or_(earlier.state == PARKED, earlier.next_attempt_at > func.now()),
        )
        # OFFSET 0 keeps this a per-row index probe: as an anti-join PostgreSQL may build a hash
        # of every stuck row instead, which is a full scan of the table on each cycle.
        .offset(0)
    )
    return probe.exists()


def claim_statement(limit: int) -> Select[tuple[int, str, str, dict[str, str], bytes, int]]:
    """Up to ``limit`` claimable rows, oldest first, locked (see the module docstring)."""
    return (
        select(
            OutboxMessage.id,
            OutboxMessage.topic,
            OutboxMessage.key,
            OutboxMessage.headers,
            OutboxMessage.payload,
            OutboxMessage.attempts,
        )
        .where(
            OutboxMessage.state == PENDING,
            OutboxMessage.next_attempt_at <= func.now(),
            ~_blocked_by_an_earlier_row(),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )


async def claim_due_rows(session: AsyncSession, limit: int) -> list[ClaimedRow]:
    return [ClaimedRow(*row) for row in (await session.execute(claim_statement(limit))).all()]


async def delete_rows(session: AsyncSession, ids: Sequence[int]) -> None:
    if ids:
        await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))


async def schedule_retries(session: AsyncSession, retries: Sequence[Retry]) -> None:
    if not retries:
        return
    statement = (
        update(_outbox)
        .where(_outbox.c.id == bindparam("row_id"))
        .values(
            attempts=bindparam("new_attempts"),
            last_error=bindparam("error"),
            next_attempt_at=func.now() + bindparam("delay", type_=Interval()),
        )
    )
    await session.execute(
        statement,
        [
            {"row_id": r.id, "new_attempts": r.attempts, "error": r.error, "delay": r.delay}
            for r in retries
        ],
    )


async def park_rows(session: AsyncSession, parked: Sequence[Retry]) -> None:
    """Park rows for an operator (``delay`` is ignored: a parked row is never due)."""
    if not parked:
        return
    statement = (
        update(_outbox)
        .where(_outbox.c.id == bindparam("row_id"))
        .values(
            state=PARKED,
            attempts=bindparam("new_attempts"),
            last_error=bindparam("error"),
            parked_at=func.now(),
        )
    )
    await session.execute(
        statement,
        [{"row_id": r.id, "new_attempts": r.attempts, "error": r.error} for r in parked],
    )


async def count_pending(connection: AsyncConnection) -> int:
    statement = (
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.state == PENDING)
    )
    return int(await connection.scalar(statement) or 0)


async def count_parked_by_topic(connection: AsyncConnection) -> dict[str, int]:
    statement = (
        select(OutboxMessage.topic, func.count())
        .where(OutboxMessage.state == PARKED)
        .group_by(OutboxMessage.topic)
    )
    return {topic: int(count) for topic, count in (await connection.execute(statement)).all()}
