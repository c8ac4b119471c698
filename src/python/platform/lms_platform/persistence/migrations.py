"""Alembic, driven from code: each service keeps its migrations next to its models and calls
``upgrade_to_head`` at deploy time (the ``migrate`` command) or from tests and the devstack.

Each migration runs in its own transaction, under a ``lock_timeout``: a migration that cannot
get its lock within the timeout fails (and is retried by the next deploy) instead of queueing
every query of the table behind it, and the migrations before it stay applied. The rules for
writing migrations, backfills above all, are in docs/migrations.md."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

# How long a migration waits for a table lock before it gives up. Short: while an ALTER waits,
# every later query of that table waits behind it.
DEFAULT_LOCK_TIMEOUT_MS = 5_000
LOCK_TIMEOUT_ATTRIBUTE = "lock_timeout_ms"


def alembic_config(
    migrations_dir: Path, database_url: str, *, lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes[LOCK_TIMEOUT_ATTRIBUTE] = lock_timeout_ms
    return config


def upgrade_to_head(
    migrations_dir: Path, database_url: str, *, lock_timeout_ms: int = DEFAULT_LOCK_TIMEOUT_MS
) -> None:
    """Run every pending migration of every branch ("heads": features may add migrations in
    parallel off one parent). Blocking; call it outside the event loop or in a thread."""
    config = alembic_config(migrations_dir, database_url, lock_timeout_ms=lock_timeout_ms)
    command.upgrade(config, "heads")


def run_migrations_from_env(context: Any, metadata: MetaData) -> None:
    """The body of a service's ``env.py``: online, async, one transaction per migration, each
    under the configured ``lock_timeout``."""
    url = context.config.get_main_option("sqlalchemy.url")
    lock_timeout_ms = int(
        context.config.attributes.get(LOCK_TIMEOUT_ATTRIBUTE, DEFAULT_LOCK_TIMEOUT_MS)
    )
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        # Session-wide, so it holds in every migration's transaction; committed at once, or
        # alembic would run everything inside this first, implicit transaction.
        connection.exec_driver_sql(f"SET lock_timeout = {int(lock_timeout_ms)}")
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            compare_type=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url, poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
        await engine.dispose()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(run())
    else:  # pragma: no cover - alembic is always called from sync code here
        raise RuntimeError("upgrade_to_head must not be called from a running event loop")
