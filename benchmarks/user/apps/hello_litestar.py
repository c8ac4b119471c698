"""Reference (4): a bare Litestar hello-world, the ceiling of one uvicorn worker on this machine.
It answers the same request line wrk sends to the others (and ignores the token)."""

from __future__ import annotations

from litestar import Litestar, MediaType, get

from benchmarks.user.apps.common import ReferenceConfig


def create_app(config: ReferenceConfig) -> Litestar:
    @get("/users/{user_id:str}", media_type=MediaType.TEXT)
    async def hello(user_id: str) -> str:
        return "Hello, world!"

    return Litestar(route_handlers=[hello])
