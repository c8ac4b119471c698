"""ProcessedMessagePurger on real PostgreSQL: only records older than the retention go, in
batches, once at start and then on every interval."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.config import ServiceSettings
from lms_platform.messaging import ProcessedMessage, ProcessedMessagePurger
from tests.platform.messaging.support import eventually

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


async def record(engine: AsyncEngine, consumer: str, *ages: timedelta, now: datetime = NOW) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(ProcessedMessage),
            [
                {"consumer": consumer, "message_id": f"{consumer}-{n}", "processed_at": now - age}
                for n, age in enumerate(ages)
            ],
        )


async def remaining(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(ProcessedMessage.message_id).order_by(ProcessedMessage.message_id)
        )
        return [row[0] for row in rows.all()]


async def test_purge_once_deletes_only_what_is_older_than_the_retention_in_batches(
    engine: AsyncEngine,
) -> None:
    day = timedelta(days=1)
    await record(engine, "user.a", *[8 * day] * 7, 6 * day, timedelta(0))
    await record(engine, "user.b", 30 * day, 7 * day - timedelta(seconds=1))
    purger = ProcessedMessagePurger(engine, retention=7 * day, interval=60, batch_size=3)

    assert await purger.purge_once(now=NOW) == 8  # three batches: 3 + 3 + 2
    assert await remaining(engine) == ["user.a-7", "user.a-8", "user.b-1"]
    assert await purger.purge_once(now=NOW) == 0


async def test_the_background_task_purges_at_start_and_on_every_interval(
    engine: AsyncEngine,
) -> None:
    await record(engine, "user.a", timedelta(days=400), now=datetime.now(UTC))
    purger = ProcessedMessagePurger(engine, retention=timedelta(days=1), interval=0.2)
    await purger.start()
    try:
        assert purger.running

        async def all_purged() -> bool:
            return await remaining(engine) == []

        await eventually(all_purged, timeout=5, message="no purge at start")
        await record(engine, "user.b", timedelta(days=400), timedelta(0), now=datetime.now(UTC))

        async def old_one_purged() -> bool:
            return await remaining(engine) == ["user.b-1"]

        await eventually(old_one_purged, timeout=5, message="no purge on the interval")
    finally:
        await asyncio.wait_for(purger.stop(), 2)
    assert not purger.running


async def test_it_survives_a_failing_purge_and_keeps_going(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(ProcessedMessage.__table__.drop)  # type: ignore[attr-defined]
    purger = ProcessedMessagePurger(engine, retention=timedelta(days=1), interval=0.1)
    await purger.start()
    try:
        await asyncio.sleep(0.35)  # a few failing rounds
        assert purger.running
        async with engine.begin() as connection:
            await connection.run_sync(ProcessedMessage.__table__.create)  # type: ignore[attr-defined]
        await record(engine, "user.a", timedelta(days=3), now=datetime.now(UTC))

        async def purged() -> bool:
            async with engine.connect() as connection:
                return await connection.scalar(select(func.count(ProcessedMessage.consumer))) == 0

        await eventually(purged, timeout=5, message="the purger gave up after a failure")
    finally:
        await purger.stop()


def test_from_settings_reads_retention_and_interval() -> None:
    settings = ServiceSettings(
        service_name="user",
        processed_messages_retention_seconds=3600,
        processed_messages_purge_interval_seconds=5.0,
    )
    purger = ProcessedMessagePurger.from_settings(None, settings)  # type: ignore[arg-type]
    assert (purger.retention, purger.interval) == (timedelta(hours=1), 5.0)
    with pytest.raises(ValueError, match="must be positive"):
        ProcessedMessagePurger(None, retention=timedelta(0), interval=1)  # type: ignore[arg-type]
