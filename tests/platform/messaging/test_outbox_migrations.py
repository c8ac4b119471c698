"""Each service's migration that adds outbox parking, on real PostgreSQL: it leaves the table
exactly as the model declares it, rewrites no row, keeps the rows it finds (pending and due),
builds valid indexes, and downgrades cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

import lms.auth.adapters.persistence.migrations as auth_migrations
import lms.user.adapters.persistence.migrations as user_migrations
from lms_platform.messaging.outbox_rows import claim_due_rows
from lms_platform.persistence.migrations import alembic_config
from lms_platform.testing import to_asyncpg_sqlalchemy_url

# service -> (migrations directory, the revision before the parking step)
SERVICES = {
    "user": (Path(user_migrations.__file__).parent, "0002_account_sync"),
    "auth": (Path(auth_migrations.__file__).parent, "0008"),
}
USER_PARKING = "0003_outbox_parking"

SCHEMA = """
SELECT 'column', column_name, data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
  FROM information_schema.columns WHERE table_name = 'outbox'
UNION ALL
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename = 'outbox'
UNION ALL
SELECT 'constraint', conname, pg_get_constraintdef(oid) || ' validated=' || convalidated
  FROM pg_constraint WHERE conrelid = 'outbox'::regclass
"""


async def schema(engine: AsyncEngine) -> set[tuple[str, str, str]]:
    async with engine.connect() as connection:
        return {tuple(row) for row in (await connection.execute(text(SCHEMA))).all()}


async def scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as connection:
        return await connection.scalar(text(sql))


@pytest.mark.parametrize("service", list(SERVICES))
async def test_the_parking_migration_matches_the_model_and_rewrites_nothing(
    service: str, engine: AsyncEngine, fresh_database: Callable[..., str]
) -> None:
    migrations_dir, before = SERVICES[service]
    url = to_asyncpg_sqlalchemy_url(fresh_database())
    config = alembic_config(migrations_dir, url)
    migrated = create_async_engine(url)
    try:
        await asyncio.to_thread(command.upgrade, config, before)
        async with migrated.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO outbox (event_id, event_type, topic, key, headers, payload,"
                    " attempts, last_error) VALUES (gen_random_uuid(), 'user.created', 'user',"
                    " 'k', '{}', '\\x00', 3, 'an old failure')"
                )
            )
        filenode = await scalar(migrated, "SELECT pg_relation_filenode('outbox')")

        await asyncio.to_thread(command.upgrade, config, "heads")

        # The model's table (created by the `engine` fixture) and the migrated one are the same.
        assert await schema(migrated) == await schema(engine)
        assert await scalar(migrated, "SELECT pg_relation_filenode('outbox')") == filenode
        assert (
            await scalar(
                migrated,
                "SELECT count(*) FROM pg_index WHERE indrelid = 'outbox'::regclass AND NOT indisvalid",
            )
            == 0
        )
        async with async_sessionmaker(migrated)() as session, session.begin():
            [row] = await claim_due_rows(session, 10)  # pending and due
        assert (row.key, row.attempts) == ("k", 3)

        await asyncio.to_thread(command.downgrade, config, before)
        columns = {name for kind, name, _ in await schema(migrated) if kind == "column"}
        assert columns.isdisjoint({"state", "next_attempt_at", "parked_at"})
        assert not {name for kind, name, _ in await schema(migrated) if kind == "index"} & {
            "ix_outbox_due",
            "ix_outbox_topic_key",
            "ix_outbox_parked",
        }
        await asyncio.to_thread(command.upgrade, config, "heads")
        assert await schema(migrated) == await schema(engine)
    finally:
        await migrated.dispose()


async def test_a_half_built_index_is_rebuilt_when_the_migration_runs_again(
    fresh_database: Callable[..., str],
) -> None:
    """CREATE INDEX CONCURRENTLY that fails leaves an invalid index; a rerun must not keep it."""
    migrations_dir, before = SERVICES["user"]
    url = to_asyncpg_sqlalchemy_url(fresh_database())
    config = alembic_config(migrations_dir, url)
    migrated = create_async_engine(url)
    try:
        # Up to the parking step only: a later migration cannot have run after it failed.
        await asyncio.to_thread(command.upgrade, config, USER_PARKING)
        async with migrated.begin() as connection:
            await connection.execute(text("DROP INDEX ix_outbox_topic_key"))
            await connection.execute(text("CREATE INDEX ix_outbox_topic_key ON outbox (key)"))
            await connection.execute(
                text(
                    "UPDATE pg_index SET indisvalid = false"
                    " WHERE indexrelid = 'ix_outbox_topic_key'::regclass"
                )
            )
        # The step failed after the index: alembic still records the revision before it.
        await asyncio.to_thread(command.stamp, config, before)
        await asyncio.to_thread(command.upgrade, config, "heads")
        definition = await scalar(
            migrated, "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_outbox_topic_key'"
        )
        assert definition == (
            "CREATE INDEX ix_outbox_topic_key ON public.outbox USING btree (topic, key, id)"
        )
        assert await scalar(
            migrated,
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_outbox_topic_key'::regclass",
        )
    finally:
        await migrated.dispose()
