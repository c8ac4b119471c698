"""PostgreSQL fixtures: a real server, a fresh database per test, templates cloned per test."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from lms_platform.testing import PostgresServer, to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import Migrate

_databases_seen_by_isolation_test: list[str] = []


async def test_sql_roundtrip_in_fresh_database(postgres_dsn: str) -> None:
    connection = await asyncpg.connect(postgres_dsn)
    try:
        await connection.execute("CREATE TABLE course (id int PRIMARY KEY, title text NOT NULL)")
        await connection.execute("INSERT INTO course VALUES (1, 'Algebra')")
        title = await connection.fetchval("SELECT title FROM course WHERE id = 1")
        database = await connection.fetchval("SELECT current_database()")
    finally:
        await connection.close()
    assert title == "Algebra"
    assert database.startswith("test_")


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_gets_an_empty_database_and_the_previous_one_is_dropped(
    run: int, postgres_dsn: str, postgres_server: PostgresServer
) -> None:
    connection = await asyncpg.connect(postgres_dsn)
    try:
        user_tables = await connection.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        await connection.execute("CREATE TABLE only_mine (id int)")
        database = await connection.fetchval("SELECT current_database()")
    finally:
        await connection.close()
    assert user_tables == 0, f"run {run} saw tables left by another test"
    assert database not in _databases_seen_by_isolation_test
    existing = {row["datname"] for row in postgres_server.fetch("SELECT datname FROM pg_database")}
    assert not existing & set(_databases_seen_by_isolation_test), "earlier test databases leak"
    _databases_seen_by_isolation_test.append(database)


async def test_sqlalchemy_async_engine_accepts_converted_url(postgres_dsn: str) -> None:
    url = to_asyncpg_sqlalchemy_url(postgres_dsn)
    assert url.startswith("postgresql+asyncpg://")
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 40 + 2"))).scalar_one() == 42
    finally:
        await engine.dispose()


def test_server_runs_with_test_settings_and_not_as_root(postgres_server: PostgresServer) -> None:
    settings = {
        row["name"]: row["setting"]
        for row in postgres_server.fetch(
            "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
            [
                "fsync",
                "synchronous_commit",
                "full_page_writes",
                "max_connections",
                "server_version_num",
            ],
        )
    }
    assert settings["fsync"] == "off"
    assert settings["synchronous_commit"] == "off"
    assert settings["full_page_writes"] == "off"
    assert settings["max_connections"] == "200"
    assert settings["server_version_num"].startswith("18")
    assert postgres_server.pid is not None
    postmaster_uid = int(
        next(
            line.split()[1]
            for line in Path(f"/proc/{postgres_server.pid}/status").read_text().splitlines()
            if line.startswith("Uid:")
        )
    )
    assert postmaster_uid != 0 or os.geteuid() != 0


_migrations_run: list[str] = []


async def _migrate_catalog(dsn: str) -> None:
    _migrations_run.append(dsn)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute("CREATE TABLE topic (name text PRIMARY KEY)")
        await connection.execute("INSERT INTO topic VALUES ('user'), ('course')")
    finally:
        await connection.close()


async def test_template_is_migrated_once_and_cloned_per_database(
    make_database_template: Callable[[str, Migrate], str],
    fresh_database: Callable[..., str],
) -> None:
    template = make_database_template("catalog_template", _migrate_catalog)
    assert make_database_template("catalog_template", _migrate_catalog) == template
    first, second = fresh_database(template), fresh_database(template)

    first_connection = await asyncpg.connect(first)
    second_connection = await asyncpg.connect(second)
    try:
        await first_connection.execute("DELETE FROM topic")
        remaining_in_first = await first_connection.fetchval("SELECT count(*) FROM topic")
        names_in_second = await second_connection.fetch("SELECT name FROM topic ORDER BY name")
    finally:
        await first_connection.close()
        await second_connection.close()
    assert len(_migrations_run) == 1
    assert remaining_in_first == 0
    assert [row["name"] for row in names_in_second] == ["course", "user"]


def _sync_migration_that_runs_its_own_loop(dsn: str) -> None:
    async def migrate() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute("CREATE TABLE marker (value int)")
            await connection.execute("INSERT INTO marker VALUES (7)")
        finally:
            await connection.close()

    asyncio.run(migrate())  # what an Alembic env.py does; must work even from an async test


async def test_sync_migration_callable_runs_even_inside_an_async_test(
    make_database_template: Callable[[str, Migrate], str],
    fresh_database: Callable[..., str],
) -> None:
    template = make_database_template("marker_template", _sync_migration_that_runs_its_own_loop)
    connection = await asyncpg.connect(fresh_database(template))
    try:
        assert await connection.fetchval("SELECT value FROM marker") == 7
    finally:
        await connection.close()


async def test_failing_migration_surfaces_and_leaves_no_template(
    make_database_template: Callable[[str, Migrate], str], postgres_server: PostgresServer
) -> None:
    def broken(dsn: str) -> None:
        raise RuntimeError("migration 0002 failed")

    with pytest.raises(RuntimeError, match="migration 0002 failed"):
        make_database_template("broken_template", broken)
    rows = postgres_server.fetch("SELECT 1 FROM pg_database WHERE datname = 'broken_template'")
    assert rows == []


async def test_restart_keeps_port_and_data(
    postgres_server: PostgresServer, postgres_dsn: str
) -> None:
    connection = await asyncpg.connect(postgres_dsn)
    await connection.execute("CREATE TABLE survives (value text)")
    await connection.execute("INSERT INTO survives VALUES ('kept')")
    await connection.close()
    port = postgres_server.port

    postgres_server.stop()
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(postgres_dsn, timeout=2)
    postgres_server.start()

    assert postgres_server.port == port
    connection = await asyncpg.connect(postgres_dsn)
    try:
        assert await connection.fetchval("SELECT value FROM survives") == "kept"
    finally:
        await connection.close()
