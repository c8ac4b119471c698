"""Runs an ASGI app's lifespan (start-up and shutdown hooks) for a server that does not."""

from __future__ import annotations

import asyncio
from typing import Any


class LifespanError(RuntimeError):
    pass


class AsgiLifespan:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def startup(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": {}}
        self._task = asyncio.get_running_loop().create_task(
            self._app(scope, self._to_app.get, self._from_app.put)
        )
        await self._exchange("lifespan.startup")

    async def shutdown(self) -> None:
        if self._task is None:
            return
        try:
            await self._exchange("lifespan.shutdown")
            await self._task
        finally:
            self._task = None

    async def _exchange(self, event: str) -> None:
        assert self._task is not None
        await self._to_app.put({"type": event})
        answer = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({answer, self._task}, return_when=asyncio.FIRST_COMPLETED)
        if not answer.done():
            answer.cancel()
            self._task.result()  # the app raised: surface it
            raise LifespanError(f"the app ended its lifespan without answering {event}")
        message = answer.result()
        if message["type"] != f"{event}.complete":
            raise LifespanError(f"{event} failed: {message.get('message', '')}")
