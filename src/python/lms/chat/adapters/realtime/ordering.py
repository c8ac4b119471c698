"""Putting one room's live messages back in sequence order before they reach the sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class RoomOrder:
    """Puts one room's live messages back in sequence order before they reach the sockets.

    Two processes may publish seq 7 just after seq 8 (each commits, then publishes). Sent as
    they come, every socket would see 8 after 6 and fill the gap from PostgreSQL. Held here up
    to ``HOLD_SECONDS`` for the missing one, they go out in order; a gap still open after that
    (a publish lost with its process) is filled per socket from PostgreSQL as before.
    """

    HOLD_SECONDS = 0.2

    def __init__(self, release: Callable[[int, dict[str, Any]], Awaitable[None]]) -> None:
        self._release = release
        self._next: int | None = None
        self._held: dict[int, dict[str, Any]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()

    async def arrived(self, seq: int, frame: dict[str, Any]) -> None:
        async with self._lock:
            if self._next is None or seq <= self._next:
                await self._release(seq, frame)
                self._next = max(self._next or 0, seq + 1)
            else:
                self._held[seq] = frame
                if self._timer is None:
                    loop = asyncio.get_running_loop()
                    self._timer = loop.call_later(
                        self.HOLD_SECONDS, lambda: loop.create_task(self._give_up())
                    )
            while self._next in self._held:
                await self._release(self._next, self._held.pop(self._next))
                self._next += 1
            if not self._held and self._timer is not None:
                self._timer.cancel()
                self._timer = None

    async def _give_up(self) -> None:
        async with self._lock:
            self._timer = None
            for seq in sorted(self._held):
                await self._release(seq, self._held.pop(seq))
                self._next = seq + 1
