"""The relay's claim on real PostgreSQL: which rows a cycle takes, and that it takes them through
indexes (no scan of the whole table), whatever state the backlog is in."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms_platform.messaging import PARKED, OutboxMessage
from lms_platform.messaging.outbox_rows import claim_due_rows, claim_statement


async def add_rows(engine: AsyncEngine, *specs: tuple[str, str]) -> list[int]:
    """One row per (topic, key), in this order; returns their ids."""
    async with engine.begin() as connection:
        result = await connection.execute(
            insert(OutboxMessage).returning(OutboxMessage.id),
            [
                {
                    "event_id": uuid.uuid4(),
                    "event_type": "user.updated",
                    "topic": topic,
                    "key": key,
                    "headers": {},
                    "payload": b"{}",
                }
                for topic, key in specs
            ],
        )
        return [row[0] for row in result.all()]


async def claim(sessions: async_sessionmaker[AsyncSession], limit: int = 100) -> list[int]:
    async with sessions() as session, session.begin():
        return [row.id for row in await claim_due_rows(session, limit)]


async def delay(engine: AsyncEngine, row_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(next_attempt_at=text("now() + interval '1 hour'"), attempts=1)
        )


async def park(engine: AsyncEngine, row_id: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id).values(state=PARKED)
        )


async def test_a_waiting_row_holds_the_later_rows_of_its_key_and_no_other(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    a1, b1, a2, c1, b2, a3 = await add_rows(
        engine, ("user", "a"), ("user", "b"), ("user", "a"), ("user", "c"), ("user", "b"),
        ("user", "a"),
    )  # fmt: skip
    assert await claim(sessions) == [a1, b1, a2, c1, b2, a3]

    await delay(engine, a2)  # a1 is before the waiting row: it still goes
    assert await claim(sessions) == [a1, b1, c1, b2]

    await park(engine, b1)
    assert await claim(sessions) == [a1, c1]


async def test_the_same_key_on_another_topic_is_not_held(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    user_a, course_a, user_a2 = await add_rows(
        engine, ("user", "a"), ("course", "a"), ("user", "a")
    )
    await park(engine, user_a)
    assert await claim(sessions) == [course_a]
    assert user_a2 not in await claim(sessions)


async def test_claim_stops_at_the_limit_in_id_order_and_skips_locked_rows(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ids = await add_rows(engine, *[("user", f"k{n}") for n in range(10)])
    assert await claim(sessions, limit=3) == ids[:3]
    async with sessions() as holder, holder.begin():
        assert [row.id for row in await claim_due_rows(holder, 4)] == ids[:4]
        # A second claimer passes over the rows the first holds instead of waiting.
        assert await claim(sessions, limit=3) == ids[4:7]


# --- the plan -----------------------------------------------------------------------------------

KEY = "'k' || (g % 2000)"
BACKLOGS = {
    # state, next_attempt_at, topic and key of generated row g (1..20000)
    "a drain after an outage: every row due": (
        "'pending'",
        "now() - interval '1 s'",
        "'user'",
        KEY,
    ),
    "an outage: every row waiting, a few new keys due": (
        "'pending'",
        "CASE WHEN g <= 19990 THEN now() + interval '30 s' ELSE now() - interval '1 s' END",
        "'user'",
        f"CASE WHEN g <= 19990 THEN {KEY} ELSE 'new' || g END",
    ),
    "a stuck topic: parked and waiting rows first, then due ones": (
        "CASE WHEN g <= 1000 THEN 'parked' ELSE 'pending' END",
        "CASE WHEN g <= 5000 THEN now() + interval '1 hour' ELSE now() - interval '1 s' END",
        "CASE WHEN g <= 5000 THEN 'gone' ELSE 'user' END",
        KEY,
    ),
}


@pytest.mark.parametrize("backlog", list(BACKLOGS))
async def test_the_claim_uses_indexes_and_never_scans_the_table(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], backlog: str
) -> None:
    state, next_attempt_at, topic, key = BACKLOGS[backlog]
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO outbox (event_id, event_type, topic, key, headers, payload, state,"
                " next_attempt_at)"
                f" SELECT gen_random_uuid(), 'user.updated', {topic}, {key}, '{{}}',"
                f" '\\x00', {state}, {next_attempt_at} FROM generate_series(1, 20000) g"
            )
        )
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE outbox"))

    async with sessions() as session, session.begin():
        claimed = await claim_due_rows(session, 500)
    assert claimed, "nothing claimable: the backlog above is wrong"
    assert all(row.topic == "user" for row in claimed)

    sql = claim_statement(500).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    async with engine.begin() as connection:
        plan = "\n".join(row[0] for row in (await connection.execute(text(f"EXPLAIN {sql}"))).all())
    assert "Seq Scan" not in plan, plan
    assert "ix_outbox_topic_key" in plan, plan  # the per-row "is an earlier row stuck?" probe
