"""LISTEN on one asyncpg connection so the relay wakes when an outbox write commits."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

__all__ = ["NotifyListener"]

logger = logging.getLogger(__name__)


class NotifyListener:
    """``ensure()`` (re)connects when needed and never raises: if the database is down, the
    relay's poll covers the gap until the next ``ensure()`` succeeds."""

    def __init__(self, engine: AsyncEngine, channel: str | None, on_notify: Callable[[], None]):
        self._engine = engine
        self._channel = channel
        self._on_notify = on_notify
        self._connection: AsyncConnection | None = None
        self._driver: Any = None

    async def ensure(self) -> None:
        if self._channel is None:
            return
        if self._driver is not None and not self._driver.is_closed():
            return
        await self.close()
        connection: AsyncConnection | None = None
        try:
            connection = await self._engine.connect()
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            if driver is None or not hasattr(driver, "add_listener"):
                logger.warning("outbox relay: engine driver cannot LISTEN; polling instead")
                self._channel = None
                await connection.close()
                return
            await driver.add_listener(self._channel, self._notified)
        except Exception as exc:  # the database may be down too; polling covers the gap
            logger.debug("outbox relay: LISTEN failed, polling until it works: %s", exc)
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.invalidate()
                    await connection.close()
            return
        self._connection = connection
        self._driver = driver

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        driver, self._driver = self._driver, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            if driver is not None and not driver.is_closed() and self._channel:
                await driver.remove_listener(self._channel, self._notified)
        with contextlib.suppress(Exception):
            # Dropped rather than pooled: a pooled connection must not keep LISTEN state.
            await connection.invalidate()
        with contextlib.suppress(Exception):
            await connection.close()

    def _notified(self, *_: object) -> None:
        self._on_notify()
