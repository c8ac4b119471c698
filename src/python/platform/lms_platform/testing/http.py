"""Run a service's ASGI app for real, on uvicorn and a loopback port, inside a test."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


@contextlib.asynccontextmanager
async def serve_app(app: Any, port: int, *, start_timeout: float = 10.0) -> AsyncIterator[str]:
    """Serve ``app`` (lifespan included) on 127.0.0.1:``port``; yields its base URL and stops it,
    shutdown hooks included, on exit."""
    import uvicorn

    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + start_timeout
    while not server.started:
        if task.done():
            task.result()  # surfaces the start-up error
            raise AssertionError("the server exited during start-up")
        if asyncio.get_running_loop().time() > deadline:
            task.cancel()
            raise AssertionError(f"the app did not start within {start_timeout:.0f} s")
        await asyncio.sleep(0.025)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=20)
