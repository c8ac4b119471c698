"""The platform's socketify server, for real on a loopback port: one listener serves a Litestar
app, native WebSocket routes with their pub/sub, and python-socketio over every transport."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
import socketio
import websockets
from litestar import Litestar, get, websocket_listener

from lms_platform.realtime import NativeRoute, SocketifyServer, socketify_compatible
from lms_platform.testing.threaded import serve_in_thread


@get("/timed")
async def timed() -> dict[str, int]:
    async with asyncio.timeout(1):  # needs a real asyncio task, not socketify's
        await asyncio.sleep(0.001)
    return {"answer": 42}


@websocket_listener("/litestar-ws")
async def litestar_echo(data: str) -> str:
    return f"litestar:{data}"


class Echo:
    """Echoes each frame to its sender and publishes it to topic ``room``."""

    def __init__(self) -> None:
        self.server: SocketifyServer | None = None
        self.closed_codes: list[int] = []

    def accept(self, headers: Mapping[str, str], remote_address: str) -> object | None:
        if headers.get("x-refuse"):
            return None
        return {"agent": headers.get("user-agent", "")}

    def opened(self, socket: Any, state: Any) -> None:
        socket.subscribe("room")

    def received(self, socket: Any, state: Any, data: str | bytes, is_text: bool) -> None:
        from socketify import OpCode

        text = data.decode() if isinstance(data, bytes) else data
        socket.send(f"echo:{text}", OpCode.TEXT)
        assert self.server is not None
        self.server.publish("room", f"published:{text}")

    def closed(self, socket: Any, state: Any, code: int) -> None:
        self.closed_codes.append(code)

    async def shutdown(self) -> None:
        return None


# One server for the module: socketify keeps per-thread state that a fourth server started in
# one test process after Socket.IO WebSocket sessions on earlier ones does not survive (its
# first requests are dropped); a service runs one server per process, so this is test-only.
@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SocketifyServer, Echo, list[str]]]:
    events: list[str] = []
    echo = Echo()

    async def build() -> SocketifyServer:
        litestar = Litestar(
            [timed, litestar_echo],
            on_startup=[lambda: events.append("started")],
            on_shutdown=[lambda: events.append("stopped")],
        )
        # A short ping interval: python-socketio's polling client waits for the pending long poll
        # on disconnect, which the server answers at the next ping.
        sio = socketio.AsyncServer(async_mode="asgi", ping_interval=1, ping_timeout=5)

        @sio.event
        async def connect(sid: str, environ: dict[str, Any], auth: Any) -> None:
            events.append(f"auth:{auth['token']}")

        @sio.on("say")
        async def say(sid: str, data: Any) -> None:
            await sio.emit("said", data, to=sid)

        server = SocketifyServer(
            socketio.ASGIApp(sio, other_asgi_app=litestar),
            host="127.0.0.1",
            port=0,
            routes=[NativeRoute("/ws", echo)],
        )
        echo.server = server
        return server

    with serve_in_thread(build) as (server, _):
        yield server, echo, events
    assert events[-1] == "stopped"


async def test_http_goes_to_the_asgi_app_with_its_lifespan(served: Any) -> None:
    server, _, events = served
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        answer = await client.get("/timed")
        missing = await client.get("/nothing-here")
    assert answer.status_code == 200 and answer.json() == {"answer": 42}
    assert missing.status_code == 404
    assert events[0] == "started"


async def test_native_route_sends_and_publishes(served: Any) -> None:
    server, echo, _ = served
    url = f"ws://127.0.0.1:{server.port}/ws"
    closed_before = len(echo.closed_codes)
    async with websockets.connect(url) as first, websockets.connect(url) as second:
        await asyncio.sleep(0.05)
        await first.send("hello")
        assert await asyncio.wait_for(first.recv(), 5) == "echo:hello"
        assert await asyncio.wait_for(first.recv(), 5) == "published:hello"
        assert await asyncio.wait_for(second.recv(), 5) == "published:hello"
    await asyncio.sleep(0.1)
    assert len(echo.closed_codes) - closed_before == 2


async def test_native_route_refuses_what_accept_refuses(served: Any) -> None:
    server, _, _ = served
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(
            f"ws://127.0.0.1:{server.port}/ws", additional_headers={"x-refuse": "1"}
        ):
            pass
    assert refused.value.response.status_code == 403


async def test_an_upgrade_the_app_refuses_gets_a_whole_403_at_once(served: Any) -> None:
    """No route for the path: the app closes before accepting, and socketify's 403 had neither
    a length nor a close, so a client waited for a body until its own timeout."""
    server, _, _ = served
    began = asyncio.get_running_loop().time()
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"ws://127.0.0.1:{server.port}/nothing-here", open_timeout=5):
            pass
    assert refused.value.response.status_code == 403
    assert asyncio.get_running_loop().time() - began < 2


async def test_litestar_websockets_work_through_the_quirk_wrapper(served: Any) -> None:
    server, _, _ = served
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/litestar-ws") as socket:
        await socket.send("hi")
        assert await asyncio.wait_for(socket.recv(), 5) == "litestar:hi"


@pytest.mark.parametrize("transports", [["polling"], ["polling", "websocket"], ["websocket"]])
async def test_socketio_over_every_transport(served: Any, transports: list[str]) -> None:
    server, _, events = served
    client = socketio.AsyncClient()
    said: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    client.on("said", lambda data: said.set_result(data))
    await client.connect(
        f"http://127.0.0.1:{server.port}", auth={"token": "t-1"}, transports=transports
    )
    try:
        await client.emit("say", {"via": transports})
        assert await asyncio.wait_for(said, 5) == {"via": transports}
        assert client.transport() == transports[-1]
    finally:
        await client.disconnect()
    assert "auth:t-1" in events


async def test_the_wrapper_fixes_both_quirks() -> None:
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope)

    wrapped: Any = socketify_compatible(app)
    await wrapped({"type": "websocket", "method": "GET", "query_string": b"?EIO=4"}, None, None)
    await wrapped({"type": "http", "method": "GET", "query_string": b"a=1"}, None, None)
    assert "method" not in seen[0] and seen[0]["query_string"] == b"EIO=4"
    assert seen[1] == {"type": "http", "method": "GET", "query_string": b"a=1"}
