"""socketify's ASGI close path, for real on a loopback port (lms_platform.realtime.guards): a
raw ASGI app does what engineio does (a receive cancelled by a timeout, a close after the
client's close) and reports what it saw; socketify must deliver, close once and let go."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from lms_platform.realtime import SocketifyServer
from lms_platform.testing.threaded import serve_in_thread

Outcome = concurrent.futures.Future[Any]


class Probe:
    """A raw ASGI app: the path names the scenario and a key, and the scenario's result goes
    into ``outcomes[key]`` (set from the server's thread)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}

    def expect(self) -> tuple[str, Outcome]:
        key = uuid.uuid4().hex
        self.outcomes[key] = concurrent.futures.Future()
        return key, self.outcomes[key]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        _, scenario, key = scope["path"].split("/")
        outcome = self.outcomes[key]
        try:
            outcome.set_result(await getattr(self, scenario)(receive, send))
        except BaseException as exc:
            outcome.set_exception(exc)
            raise

    @staticmethod
    async def _accept_after_a_cancelled_receive(receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        # engineio waits for each frame under wait_for; the timeout cancels the receive.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(receive(), 0.05)
        await send({"type": "websocket.send", "text": "ready"})

    async def frame_after_cancel(self, receive: Any, send: Any) -> Any:
        await self._accept_after_a_cancelled_receive(receive, send)
        return (await asyncio.wait_for(receive(), 5)).get("text")

    async def close_after_cancel(self, receive: Any, send: Any) -> Any:
        await self._accept_after_a_cancelled_receive(receive, send)
        return (await asyncio.wait_for(receive(), 5))["type"]

    @staticmethod
    async def close_after_client(receive: Any, send: Any) -> Any:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while (await asyncio.wait_for(receive(), 5))["type"] != "websocket.disconnect":
            pass
        # engineio's writer always closes at the end, after the client's close too.
        return await send({"type": "websocket.close"})

    @staticmethod
    async def gone_before_accept(receive: Any, send: Any) -> Any:
        assert (await receive())["type"] == "websocket.connect"
        await asyncio.sleep(0.5)  # the client hangs up meanwhile
        accepted = await send({"type": "websocket.accept"})
        return accepted, (await asyncio.wait_for(receive(), 5))["type"]

    @staticmethod
    async def echo_once(receive: Any, send: Any) -> Any:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        return (await asyncio.wait_for(receive(), 5)).get("text")

    @staticmethod
    async def body(receive: Any, send: Any) -> Any:
        while (event := await asyncio.wait_for(receive(), 5))["type"] == "http.request":
            if not event.get("more_body"):
                break
        return event["type"]


# One server for the module (see test_socketify_server.py on socketify's per-thread state).
@pytest.fixture(scope="module")
def served() -> Iterator[tuple[SocketifyServer, Probe]]:
    probe = Probe()

    async def build() -> SocketifyServer:
        return SocketifyServer(probe, host="127.0.0.1", port=0)

    with serve_in_thread(build) as (server, _):
        yield server, probe


def open_sockets(server: SocketifyServer) -> int:
    return len(server.app._socket_refs)


async def eventually(predicate: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_frame_after_a_cancelled_receive_reaches_the_app(served: Any) -> None:
    server, probe = served
    key, outcome = probe.expect()
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/frame_after_cancel/{key}") as ws:
        assert await asyncio.wait_for(ws.recv(), 5) == "ready"
        await ws.send("hello")
        assert await asyncio.wrap_future(outcome) == "hello"


async def test_a_close_after_a_cancelled_receive_reaches_the_app_and_frees_the_socket(
    served: Any,
) -> None:
    server, probe = served
    key, outcome = probe.expect()
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/close_after_cancel/{key}") as ws:
        assert await asyncio.wait_for(ws.recv(), 5) == "ready"
        await eventually(lambda: open_sockets(server) == 1)
    assert await asyncio.wrap_future(outcome) == "websocket.disconnect"
    await eventually(lambda: open_sockets(server) == 0)


async def test_the_apps_close_after_the_clients_close_touches_nothing(served: Any) -> None:
    # Unguarded, socketify wrote a 403 onto the upgrade's response, freed by the upgrade.
    server, probe = served
    key, outcome = probe.expect()
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/close_after_client/{key}"):
        pass
    assert await asyncio.wrap_future(outcome) is False
    await eventually(lambda: open_sockets(server) == 0)


async def test_a_client_gone_before_the_accept_ends_the_apps_wait(served: Any) -> None:
    server, probe = served
    key, outcome = probe.expect()
    _, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        f"GET /gone_before_accept/{key} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.transport.abort()
    assert await asyncio.wrap_future(outcome) == (False, "websocket.disconnect")
    assert open_sockets(server) == 0


async def test_a_request_aborted_mid_body_ends_the_apps_wait(served: Any) -> None:
    server, probe = served
    key, outcome = probe.expect()
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(
            f"POST /body/{key} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode()
            + b"x" * 10
        )
        await asyncio.sleep(0.2)
    assert await asyncio.wrap_future(outcome) == "http.disconnect"


async def test_the_server_still_serves_after_all_of_it(served: Any) -> None:
    server, probe = served
    key, outcome = probe.expect()
    async with websockets.connect(f"ws://127.0.0.1:{server.port}/echo_once/{key}") as ws:
        await ws.send("still here")
        assert await asyncio.wrap_future(outcome) == "still here"
    await eventually(lambda: open_sockets(server) == 0)
