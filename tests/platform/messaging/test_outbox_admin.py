"""OutboxAdmin and its command line on real PostgreSQL: list, count, retry and discard parked rows,
and never touch a pending one."""

from __future__ import annotations

import asyncio
import io
import json
import uuid

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lms_platform.messaging import (
    DEFAULT_NOTIFY_CHANNEL,
    PARKED,
    PENDING,
    OutboxAdmin,
    OutboxMessage,
    run_outbox_command,
)
from lms_platform.messaging.outbox_rows import relay_lock_id
from lms_platform.testing import to_asyncpg_dsn
from tests.platform.messaging.support import check_retry_and_discard_touch_only_parked


async def add(engine: AsyncEngine, topic: str, key: str, *, parked: bool) -> int:
    async with engine.begin() as connection:
        inserted = await connection.execute(
            insert(OutboxMessage)
            .values(
                event_id=uuid.uuid4(), event_type=f"{topic}.updated", topic=topic, key=key,
                headers={}, payload=b"{}",
                state=PARKED if parked else PENDING,
                attempts=10 if parked else 3,
                last_error="UnknownTopicOrPartitionError" if parked else None,
                parked_at=text("now()") if parked else None,
            )
            .returning(OutboxMessage.id)
        )  # fmt: skip
    return int(inserted.scalar_one())


async def states(engine: AsyncEngine) -> dict[int, tuple[str, int]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            select(OutboxMessage.id, OutboxMessage.state, OutboxMessage.attempts)
        )
        return {row_id: (state, attempts) for row_id, state, attempts in rows.all()}


async def test_list_shows_parked_rows_with_what_waits_behind_them_and_pages(
    engine: AsyncEngine,
) -> None:
    u1 = await add(engine, "user", "a", parked=True)
    await add(engine, "user", "a", parked=False)  # held behind u1
    await add(engine, "user", "a", parked=False)
    await add(engine, "user", "b", parked=False)  # another key: not held
    c1 = await add(engine, "course", "a", parked=True)
    admin = OutboxAdmin(engine)

    listed = await admin.list_parked()
    assert [(row.id, row.topic, row.key, row.held) for row in listed] == [
        (u1, "user", "a", 2),
        (c1, "course", "a", 0),
    ]
    assert listed[0].attempts == 10
    assert listed[0].last_error == "UnknownTopicOrPartitionError"
    assert listed[0].parked_at is not None
    assert [row.id for row in await admin.list_parked(limit=1)] == [u1]
    assert [row.id for row in await admin.list_parked(after_id=u1)] == [c1]
    assert [row.id for row in await admin.list_parked(topic="course")] == [c1]
    assert await admin.parked_counts() == {"user": 1, "course": 1}


async def test_retry_makes_rows_pending_resets_attempts_behind_them_and_notifies(
    engine: AsyncEngine, postgres_dsn: str
) -> None:
    import asyncpg

    u1 = await add(engine, "user", "a", parked=True)
    behind = await add(engine, "user", "a", parked=False)
    other = await add(engine, "user", "b", parked=False)
    c1 = await add(engine, "course", "a", parked=True)
    listener = await asyncpg.connect(to_asyncpg_dsn(postgres_dsn))
    notified = asyncio.Event()
    await listener.add_listener(DEFAULT_NOTIFY_CHANNEL, lambda *_: notified.set())
    try:
        assert await OutboxAdmin(engine).retry([u1]) == 1
        await asyncio.wait_for(notified.wait(), 5)
    finally:
        await listener.close()
    assert await states(engine) == {
        u1: (PENDING, 0),
        behind: (PENDING, 0),  # a fresh start for the key, not a single attempt left
        other: (PENDING, 3),
        c1: (PARKED, 10),
    }
    async with engine.connect() as connection:
        due = await connection.scalar(
            select(OutboxMessage.next_attempt_at <= text("now()")).where(OutboxMessage.id == u1)
        )
        parked_at = await connection.scalar(
            select(OutboxMessage.parked_at).where(OutboxMessage.id == u1)
        )
    assert due
    assert parked_at is None


async def test_retry_all_or_by_topic_and_discard_touch_only_parked_rows(
    engine: AsyncEngine,
) -> None:
    await check_retry_and_discard_touch_only_parked(engine, OutboxAdmin(engine), add, states)


async def test_admin_changes_wait_for_a_relay_cycle_in_progress(engine: AsyncEngine) -> None:
    u1 = await add(engine, "user", "a", parked=True)
    async with engine.begin() as relay_cycle:
        await relay_cycle.execute(select(text(f"pg_advisory_xact_lock({relay_lock_id()})")))
        retry = asyncio.create_task(OutboxAdmin(engine).retry([u1]))
        await asyncio.sleep(0.3)
        assert not retry.done()
        await relay_cycle.execute(
            update(OutboxMessage).where(OutboxMessage.id == u1).values(last_error="cycle")
        )
    assert await asyncio.wait_for(retry, 5) == 1


async def test_the_command_line_prints_json_and_refuses_bad_usage(engine: AsyncEngine) -> None:
    u1 = await add(engine, "user", "a", parked=True)
    u2 = await add(engine, "user", "b", parked=True)
    admin = OutboxAdmin(engine)

    async def run(*argv: str) -> tuple[int, list[object]]:
        out = io.StringIO()
        status = await run_outbox_command(admin, argv, out=out)
        return status, [json.loads(line) for line in out.getvalue().splitlines()]

    status, lines = await run("list")
    assert status == 0
    assert [(line["id"], line["key"], line["held"]) for line in lines] == [  # type: ignore[index]
        (u1, "a", 0),
        (u2, "b", 0),
    ]
    assert await run("counts") == (0, [{"user": 2}])
    assert await run("retry") == (2, [])  # neither ids nor --all
    assert await run("retry", "--topic", "user") == (2, [])
    assert await run("retry", str(u1)) == (0, [{"retried": 1}])
    assert await run("discard", str(u2)) == (0, [{"discarded": 1}])
    assert await run("retry", "--all") == (0, [{"retried": 0}])
    assert await run("list") == (0, [])
