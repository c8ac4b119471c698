"""Serving on socketify (uWebSockets) inside the process's own asyncio loop: an ASGI app (the
Litestar app, wrapped by python-socketio if the service speaks Socket.IO) on every path, plus
native WebSocket routes whose pub/sub (``subscribe``/``publish``) fans out in C.

socketify normally owns the loop (``App.run``); here it is polled from the running loop, so the
service's Kafka consumers, Redis subscriptions and database work share one loop with it. Three
socketify habits are undone: its pure-Python task factory, installed for every task of the loop
(our tasks run on asyncio's C tasks, which ``asyncio.timeout`` and dishka need), the keep-alive
references it leaks for sockets closed by a synchronous handler, and the faults of its ASGI
WebSocket close path (``guards``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from prometheus_client import Gauge

from lms_platform.logging import get_logger
from lms_platform.realtime import guards
from lms_platform.realtime.asgi import socketify_compatible
from lms_platform.realtime.lifespan import AsgiLifespan

_log = get_logger("lms.realtime")

# socketify holds a reference per open WebSocket (ASGI and native) until its close callback.
WEBSOCKETS_OPEN = Gauge(
    "realtime_websockets_open",
    "WebSocket connections (Socket.IO and native) the process's socketify server holds open.",
)


class SocketHandler(Protocol):
    """A native WebSocket route's behaviour. ``accept`` runs on the upgrade request and returns
    the connection's state (kept by socketify as the socket's user data, handed to every other
    callback), or None to refuse with 403. Callbacks are synchronous and must not block: they
    schedule coroutines on the loop themselves."""

    def accept(self, headers: Mapping[str, str], remote_address: str) -> object | None: ...

    def opened(self, socket: Any, state: Any) -> None: ...

    def received(self, socket: Any, state: Any, data: str | bytes, is_text: bool) -> None: ...

    def closed(self, socket: Any, state: Any, code: int) -> None: ...

    async def shutdown(self) -> None:
        """Close this route's sockets (the server is stopping)."""


@dataclass(frozen=True, slots=True)
class NativeRoute:
    path: str
    handler: SocketHandler
    max_payload_bytes: int = 64 * 1024
    idle_timeout_seconds: int = 120  # closed when silent this long (clients ping)
    max_backpressure_bytes: int = 1024 * 1024
    send_pings: bool = True


class SocketifyServer:
    """``await start()`` inside the running loop, ``await stop()`` to close; ``publish`` sends a
    message to every native socket subscribed to ``topic`` in this process."""

    def __init__(
        self,
        app: Any,
        *,
        host: str,
        port: int,
        routes: Sequence[NativeRoute] = (),
        asgi_websocket_max_payload_bytes: int = 1024 * 1024,
        idle_poll_seconds: float = 0.005,
    ) -> None:
        self._app = socketify_compatible(app)
        self._host, self.port = host, port
        self._routes = tuple(routes)
        self._asgi_ws_max_payload = asgi_websocket_max_payload_bytes
        self._idle_poll = idle_poll_seconds
        self._asgi: Any = None
        self._lifespan = AsgiLifespan(self._app)
        self._listening = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def app(self) -> Any:
        """socketify's ``App`` (for ``publish`` and ``num_subscribers``)."""
        return self._asgi.server

    def publish(self, topic: str, message: bytes | str) -> None:
        from socketify import OpCode

        opcode = OpCode.TEXT if isinstance(message, str) else OpCode.BINARY
        self._asgi.server.publish(topic, message, opcode)

    async def start(self) -> None:
        from socketify.asgi import _ASGI

        guards.install()
        loop = asyncio.get_running_loop()
        self._asgi = _ASGI(
            self._app,
            lifespan=False,
            websocket=True,
            websocket_options={"max_payload_length": self._asgi_ws_max_payload},
        )
        loop.set_task_factory(None)

        def run_task(coroutine: Coroutine[Any, Any, Any]) -> None:
            # Held until done: the loop keeps only weak references to its tasks.
            task = loop.create_task(_logged(coroutine))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._asgi._run_task = run_task
        server = self._asgi.server
        server.loop.idle_relaxation_time = self._idle_poll
        WEBSOCKETS_OPEN.set_function(lambda: len(server._socket_refs))
        for route in self._routes:
            server.ws(route.path, _behaviour(route, server))
        await self._lifespan.startup()
        failure: list[str] = []

        def listened(config: Any) -> None:
            self.port = int(config.port)

        try:
            server.listen({"host": self._host, "port": self.port}, listened)
        except RuntimeError as exc:
            failure.append(str(exc))
        if failure or not getattr(server, "socket", None):
            await self._lifespan.shutdown()
            raise OSError(f"cannot listen on {self._host}:{self.port}: {failure or 'refused'}")
        self._asgi.SERVER_HOST, self._asgi.SERVER_PORT = self._host, self.port
        self._listening = True
        server.loop.started = True
        loop.call_soon(server.loop._keep_alive)
        _log.info("socketify_listening", host=self._host, port=self.port)

    async def stop(self) -> None:
        if not self._listening:
            return
        from socketify.native import ffi, lib

        server = self._asgi.server
        if server.socket != ffi.NULL:
            lib.us_listen_socket_close(server.SSL, server.socket)
            server.socket = ffi.NULL
        for route in self._routes:
            with contextlib.suppress(Exception):
                await route.handler.shutdown()
        await asyncio.sleep(0.05)  # let the close frames go out (uWS is still polled)
        try:
            await self._lifespan.shutdown()
        finally:
            server.loop.started = False
            self._listening = False

    async def serve_until(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()


async def _logged(coroutine: Coroutine[Any, Any, Any]) -> None:
    try:
        await coroutine
    except Exception:
        _log.exception("asgi_task_failed")


def _behaviour(route: NativeRoute, server: Any) -> dict[str, Any]:
    handler = route.handler

    def upgrade(response: Any, request: Any, context: Any) -> None:
        headers = request.get_headers()
        state = handler.accept(headers, response.get_remote_address() or "")
        if state is None:
            # end_without_body leaves the client waiting for a body that never comes
            response.write_status(403).end("forbidden", end_connection=True)
            return
        response.upgrade(
            headers.get("sec-websocket-key", ""),
            headers.get("sec-websocket-protocol", ""),
            headers.get("sec-websocket-extensions", ""),
            context,
            state,
        )

    def open_(socket: Any) -> None:
        handler.opened(socket, socket.get_user_data())

    def message(socket: Any, data: Any, opcode: Any) -> None:
        from socketify import OpCode

        handler.received(socket, socket.get_user_data(), data, opcode == OpCode.TEXT)

    def close(socket: Any, code: int, _: Any) -> None:
        try:
            handler.closed(socket, socket.get_user_data(), code)
        finally:
            key = socket.get_user_data_uuid()
            if key is not None:
                server._socket_refs.pop(key, None)

    return {
        "max_payload_length": route.max_payload_bytes,
        "idle_timeout": route.idle_timeout_seconds,
        "max_backpressure": route.max_backpressure_bytes,
        "send_pings_automatically": route.send_pings,
        "upgrade": upgrade,
        "open": open_,
        "message": message,
        "close": close,
    }
