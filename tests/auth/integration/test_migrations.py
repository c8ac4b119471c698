"""The auth migrations run up from nothing, all the way down, and up again, on real PostgreSQL:
every branch's downgrade undoes exactly what its upgrade did."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic import command

from lms.auth.main import MIGRATIONS_DIR
from lms_platform.persistence.migrations import alembic_config
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url


async def _tables(dsn: str) -> set[str]:
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


async def test_upgrade_downgrade_upgrade(postgres_dsn: str) -> None:
    config = alembic_config(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(postgres_dsn))
    await asyncio.to_thread(command.upgrade, config, "heads")
    migrated = await _tables(postgres_dsn)
    assert {
        "colleges",
        "accounts",
        "refresh_tokens",
        "signing_keys",
        "audit_log",
        "college_role_permissions",
        "api_keys",
        "import_jobs",
        "outbox",
        "processed_messages",
    } <= migrated

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await _tables(postgres_dsn) == {"alembic_version"}

    await asyncio.to_thread(command.upgrade, config, "heads")
    assert await _tables(postgres_dsn) == migrated
