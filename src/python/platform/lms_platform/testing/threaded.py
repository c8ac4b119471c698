"""A socketify server in a thread of its own, for tests. socketify binds one uWS loop per
thread for the thread's life, so a second server on a thread that already ran one never sees
its sockets: each server gets a fresh thread and event loop, and tests talk to it over loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from lms_platform.realtime.server import SocketifyServer
from lms_platform.testing.tools import ensure_libuv


@contextlib.contextmanager
def serve_in_thread(
    build: Callable[[], Awaitable[SocketifyServer]], *, start_timeout: float = 20.0
) -> Iterator[tuple[SocketifyServer, asyncio.AbstractEventLoop]]:
    """``build`` runs in the server's loop (create loop-bound objects there); yields the started
    server and its loop (``asyncio.run_coroutine_threadsafe`` to reach into it)."""
    ensure_libuv()
    ready = threading.Event()
    outcome: dict[str, Any] = {}

    async def main() -> None:
        stop = asyncio.Event()
        outcome["stop"], outcome["loop"] = stop, asyncio.get_running_loop()
        try:
            server = await build()
            await server.start()
        except BaseException as exc:
            outcome["error"] = exc
            ready.set()
            return
        outcome["server"] = server
        ready.set()
        try:
            await stop.wait()
        finally:
            await server.stop()

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="socketify", daemon=True)
    thread.start()
    if not ready.wait(start_timeout):
        raise AssertionError(f"the socketify server did not start within {start_timeout:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    loop: asyncio.AbstractEventLoop = outcome["loop"]
    try:
        yield outcome["server"], loop
    finally:
        loop.call_soon_threadsafe(outcome["stop"].set)
        thread.join(20)
