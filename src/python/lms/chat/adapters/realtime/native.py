"""The native WebSocket transport (``/ws``), a ``NativeRoute`` of the platform's socketify
server: JSON text frames ``{"type", "id"?, ...fields}`` answered by ``{"type": "ack", "id",
"ok", "data" | "error"}``; server events are ``{"type": <event>, "data"}``. The first frame is
``auth`` with the token (as Socket.IO's ``auth`` payload; never the URL or a header). Every
other frame goes to the shared ``ChatHub``, as Socket.IO's do. A socket's frames are handled
one at a time, in the order they came."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from lms.chat.adapters.realtime import frames
from lms.chat.adapters.realtime.hub import ChatHub, Connection
from lms_platform.logging import get_logger
from lms_platform.realtime import SocketAuthError
from lms_platform.realtime.auth import CLOSE_UNAUTHENTICATED

_log = get_logger("lms.chat.native")

NATIVE_PATH = "/ws"
CLOSE_GOING_AWAY = 1001  # the server is stopping
CLOSE_TRY_AGAIN = 1013  # the socket fell too far behind: reconnect and join with after_seq
MAX_CORRELATION_ID = 64
# uWS pings a socket before it has been silent this long, and closes it when this long passes
# with no frame or pong; under Kong's 60 s read timeout, so Kong never cuts a healthy quiet one.
IDLE_TIMEOUT_SECONDS = 32


@dataclass(eq=False)
class NativeSocket:
    """socketify's user data for one socket: its state before and after ``auth``."""

    key: str
    socket: Any = None
    connection: Connection | None = None
    closed: bool = False
    frames: asyncio.Lock = field(default_factory=asyncio.Lock)
    auth_timer: asyncio.TimerHandle | None = None


class NativeGateway:
    """A ``lms_platform.realtime.SocketHandler`` and the hub's ``Transport`` for its sockets."""

    def __init__(self, hub: ChatHub, *, auth_timeout_seconds: float = 10.0) -> None:
        self._hub = hub
        self._auth_timeout = auth_timeout_seconds
        self._ids = itertools.count(1)
        self._sockets: dict[str, NativeSocket] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # --- SocketHandler (socketify's callbacks: synchronous, on the loop's thread) --------------

    def accept(self, headers: Mapping[str, str], remote_address: str) -> object | None:
        return NativeSocket(f"ws:{next(self._ids)}")

    def opened(self, socket: Any, state: NativeSocket) -> None:
        state.socket = socket
        self._sockets[state.key] = state
        loop = asyncio.get_running_loop()
        state.auth_timer = loop.call_later(
            self._auth_timeout, self._close_unauthenticated, state, "auth_timeout"
        )

    def received(self, socket: Any, state: NativeSocket, data: str | bytes, is_text: bool) -> None:
        if not state.closed:
            self._spawn(self._frame(state, data, is_text))

    def closed(self, socket: Any, state: NativeSocket, code: int) -> None:
        state.closed = True
        state.socket = None
        self._sockets.pop(state.key, None)
        if state.auth_timer is not None:
            state.auth_timer.cancel()
        if state.connection is not None:
            self._spawn(self._hub.unregister(state.key))

    async def shutdown(self) -> None:
        for state in list(self._sockets.values()):
            self._end(state, CLOSE_GOING_AWAY, "shutdown")

    # --- frames --------------------------------------------------------------------------------

    async def _frame(self, state: NativeSocket, data: str | bytes, is_text: bool) -> None:
        async with state.frames:  # FIFO: frames are handled in arrival order
            if state.closed:
                return
            parsed = _parse(data, is_text)
            if isinstance(parsed, str):
                self._send(
                    state, {"type": "error", "data": frames.error_frame("invalid_frame", parsed)}
                )
                return
            kind, correlation, fields = parsed
            if state.connection is None:
                await self._authenticate(state, kind, correlation, fields)
            elif kind in frames.NATIVE_CLIENT_FRAMES:
                self._ack(state, correlation, None, frames.error_frame(
                    "invalid_frame", "already authenticated; send reauth for a fresh token",
                    event=kind,
                ))  # fmt: skip
            else:
                result, error = await self._hub.handle(state.connection, kind, fields)
                self._ack(state, correlation, result, error)

    async def _authenticate(
        self, state: NativeSocket, kind: str, correlation: Any, fields: dict[str, Any]
    ) -> None:
        token = fields.get("token") if kind == "auth" else None
        try:
            identity = await self._hub.authenticator.authenticate(token)
        except SocketAuthError as exc:
            code = exc.code if kind == "auth" else "token_missing"
            self._ack(state, correlation, None, frames.error_frame(
                code, "authentication failed; the first frame is auth", event=kind
            ))  # fmt: skip
            self._close_unauthenticated(state, code)
            return
        if state.closed:
            return
        if state.auth_timer is not None:
            state.auth_timer.cancel()
        state.connection = Connection(state.key, identity, self, handle=state)
        principal = identity.principal
        self._ack(state, correlation, {
            "user_id": principal.user_id, "tenant": principal.tenant_id,
            "expires_in": int(identity.seconds_left()), "protocol": frames.PROTOCOL_VERSION,
        }, None)  # fmt: skip
        # After the ack, so a live event never comes before it (the hub holds the connection
        # before anything else runs; the user's channel is watched once this returns).
        await self._hub.register(state.connection)

    def _ack(self, state: NativeSocket, correlation: Any, result: Any, error: Any) -> None:
        ack: dict[str, Any] = {"type": "ack", "id": correlation, "ok": error is None}
        if error is None:
            ack["data"] = result or {}
        else:
            ack["error"] = error
        self._send(state, ack)

    # --- Transport -----------------------------------------------------------------------------

    def encode(self, event: str, data: Any) -> bytes:
        return msgspec.json.encode({"type": event, "data": data})

    async def push(self, connection: Connection, encoded: bytes) -> None:
        self._write(connection.handle, encoded)

    async def disconnect(self, connection: Connection, code: str) -> None:
        close = CLOSE_GOING_AWAY if code == "shutdown" else CLOSE_UNAUTHENTICATED
        self._end(connection.handle, close, code)

    # --- socket writes -------------------------------------------------------------------------

    def _send(self, state: NativeSocket, frame: dict[str, Any]) -> None:
        self._write(state, msgspec.json.encode(frame))

    def _write(self, state: NativeSocket, payload: bytes) -> None:
        from socketify import OpCode, SendStatus

        if state.closed or state.socket is None:
            return
        if state.socket.send(payload, OpCode.TEXT) == SendStatus.DROPPED:
            # A dropped frame would be a gap the cursor cannot see: close, the client catches up.
            self._end(state, CLOSE_TRY_AGAIN, "too_slow")

    def _close_unauthenticated(self, state: NativeSocket, code: str) -> None:
        if state.connection is None:
            self._end(state, CLOSE_UNAUTHENTICATED, code)

    def _end(self, state: NativeSocket, code: int, reason: str) -> None:
        if state.closed or state.socket is None:
            return
        # Always with a reason: socketify 0.0.31's ``end`` without one sends nothing.
        state.socket.end(code, reason)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(_logged(coroutine))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _parse(data: str | bytes, is_text: bool) -> tuple[str, Any, dict[str, Any]] | str:
    """``(type, id, fields)``, or why the frame is not one."""
    if not is_text:
        return "frames are JSON text, not binary"
    try:
        decoded = msgspec.json.decode(data)
    except msgspec.DecodeError:
        return "not JSON"
    if not isinstance(decoded, dict):
        return "a frame is a JSON object"
    kind = decoded.pop("type", None)
    if not isinstance(kind, str):
        return "a frame needs a string type"
    correlation = decoded.pop("id", None)
    if isinstance(correlation, bool) or not isinstance(correlation, str | int | None):
        return "id is a string or an integer"
    if isinstance(correlation, str) and len(correlation) > MAX_CORRELATION_ID:
        return f"id is at most {MAX_CORRELATION_ID} characters"
    return kind, correlation, decoded


async def _logged(coroutine: Coroutine[Any, Any, None]) -> None:
    try:
        await coroutine
    except Exception:
        _log.exception("native_frame_failed")
