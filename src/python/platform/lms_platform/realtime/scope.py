"""A dishka REQUEST scope per socket message. A WebSocket lives longer than any unit of work:
each frame gets its own scope (session, unit of work, use case), closed when the frame is done,
as a Litestar request would (servers-here.md: dishka gives WebSocket handlers a SESSION scope)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from dishka import AsyncContainer

T = TypeVar("T")
R = TypeVar("R")


async def in_request_scope(
    container: AsyncContainer, dependency: type[T], call: Callable[[T], Awaitable[R]]
) -> R:
    """Resolve ``dependency`` (a use case) in a fresh REQUEST scope and run ``call`` with it."""
    async with container() as request:
        resolved: Any = await request.get(dependency)
        return await call(resolved)
