"""Alembic, driven from code: each service keeps its migrations next to its models and calls
``upgrade_to_head`` at deploy time (the ``migrate`` command) or from tests and the devstack."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Run every pending migration of every branch ("heads": features may add migrations in
    parallel off one parent). Blocking; call it outside the event loop or in a thread."""
    command.upgrade(alembic_config(migrations_dir, database_url), "heads")


def run_migrations_from_env(context: Any, metadata: MetaData) -> None:
    """The body of a service's ``env.py``: online, async, one transaction per run."""
    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata, compare_type=True)
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
