"""The unit of work against real PostgreSQL: a savepoint undoes its block's writes and the
events recorded in it, and the rest of the transaction commits; events are keyed by their
partition key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms_platform.kernel.events import DomainEvent
from lms_platform.messaging import OutboxMessage
from lms_platform.messaging.outbox import OutboxWriter
from lms_platform.persistence.unit_of_work import OutboxEventStager, SqlAlchemyUnitOfWork
from tests.platform.messaging.support import effects


@dataclass(frozen=True, kw_only=True)
class Happened(DomainEvent):
    event_type: ClassVar[str] = "thing.happened"
    topic: ClassVar[str] = "course"
    label: str


@dataclass(frozen=True, kw_only=True)
class HappenedInGroup(Happened):
    group: str

    @property
    def partition_key(self) -> str:
        return self.group


async def _failing_block(uow: SqlAlchemyUnitOfWork, session: AsyncSession) -> None:
    async with uow.savepoint():
        await session.execute(insert(effects).values(event_id="undone", subject="b"))
        uow.record(Happened(aggregate_id="b", tenant_id="c", label="undone"))
        raise RuntimeError("this row fails")


def _uow(session: AsyncSession) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(session, OutboxEventStager(OutboxWriter(namespace="t."), "tests"))


async def test_a_failed_savepoint_undoes_its_writes_and_events_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        uow = _uow(session)
        await session.execute(insert(effects).values(event_id="kept", subject="a"))
        uow.record(Happened(aggregate_id="a", tenant_id="c", label="kept"))
        with pytest.raises(RuntimeError, match="this row fails"):
            await _failing_block(uow, session)
        async with uow.savepoint():
            await session.execute(insert(effects).values(event_id="also kept", subject="c"))
            uow.record(
                HappenedInGroup(aggregate_id="c", tenant_id="c", label="grouped", group="g1")
            )
        await uow.commit()

    async with sessions() as session:
        kept = (await session.execute(select(effects.c.event_id).order_by(effects.c.id))).scalars()
        assert list(kept) == ["kept", "also kept"]
        rows = (
            (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)))
            .scalars()
            .all()
        )
        assert [(r.event_type, r.key) for r in rows] == [
            ("thing.happened", "a"),  # keyed by the aggregate by default
            ("thing.happened", "g1"),  # or by the event's own partition key
        ]
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 2
