"""One Redis subscription per process: the control channel always, and a room's channel only
while this process has members of that room connected (reference counted)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from redis.asyncio import Redis

from lms.chat.adapters.realtime.fanout import CONTROL_CHANNEL
from lms_platform.logging import get_logger

_log = get_logger("lms.chat.relay")

Deliver = Callable[[str, dict[str, Any]], Awaitable[None]]


class RoomRelay:
    def __init__(self, redis: Redis, deliver: Deliver) -> None:
        self._redis = redis
        self._deliver = deliver
        self._pubsub: Any = None
        self._task: asyncio.Task[None] | None = None
        self._counts: dict[str, int] = {}
        self._lock = asyncio.Lock()

    @property
    def channels(self) -> set[str]:
        return set(self._counts)

    async def start(self) -> None:
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(CONTROL_CHANNEL)
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pubsub is not None:
            await self._pubsub.aclose()

    async def watch(self, channel: str) -> None:
        async with self._lock:
            count = self._counts.get(channel, 0)
            self._counts[channel] = count + 1
            if count == 0:
                await self._pubsub.subscribe(channel)

    async def unwatch(self, channel: str) -> None:
        async with self._lock:
            count = self._counts.get(channel, 0) - 1
            if count > 0:
                self._counts[channel] = count
                return
            self._counts.pop(channel, None)
            if count == 0:
                await self._pubsub.unsubscribe(channel)

    async def _read(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                channel = message["channel"]
                channel = channel.decode() if isinstance(channel, bytes) else channel
                await self._deliver(channel, msgspec.json.decode(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad delivery must not stop the relay
                _log.exception("relay_delivery_failed")
                await asyncio.sleep(0.1)
