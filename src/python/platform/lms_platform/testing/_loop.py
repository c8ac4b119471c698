"""Run coroutines from synchronous code, whether or not the caller has a running event loop.

Server probes and admin calls (asyncpg, aiokafka) are async, but fixtures and ``start()`` are
sync and may be called from inside an async test. A private loop on a daemon thread serves both.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="lms-testing-loop", daemon=True)
            thread.start()
            _loop = loop
        return _loop


def run_sync(coroutine: Awaitable[T], timeout: float | None = None) -> T:
    """Run ``coroutine`` on the shared background loop and return its result."""

    async def _wrapped() -> T:
        return await coroutine

    future: Future[T] = asyncio.run_coroutine_threadsafe(_wrapped(), _background_loop())
    return future.result(timeout)


def run_in_fresh_loop(function: Callable[..., Any], *args: Any) -> Any:
    """Call ``function`` on a new thread; if it returns an awaitable, drive it with ``asyncio.run``.

    Used for user callables (migrations) that may open their own engines or call ``asyncio.run``
    themselves, which would fail on a thread that already runs a loop.
    """
    outcome: dict[str, Any] = {}

    def _target() -> None:
        try:
            result = function(*args)
            if asyncio.iscoroutine(result) or isinstance(result, Awaitable):
                result = asyncio.run(_await(result))
            outcome["result"] = result
        except BaseException as error:  # re-raised in the caller's thread
            outcome["error"] = error

    thread = threading.Thread(target=_target, name="lms-testing-call", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable
