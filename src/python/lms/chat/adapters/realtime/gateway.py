"""The Socket.IO transport: authenticate on connect (the ``auth`` payload, never the query
string), hand every event to the shared ``ChatHub`` and answer with its ack; a refusal is also
pushed as an ``error`` event. Delivery (order, gaps, access changes) is the hub's."""

from __future__ import annotations

from typing import Any

import socketio

from lms.chat.adapters.realtime import frames
from lms.chat.adapters.realtime.hub import ChatHub, Connection
from lms_platform.realtime import SocketAuthError


class SocketIoGateway:
    def __init__(
        self,
        hub: ChatHub,
        *,
        ping_interval: float = 25.0,
        max_frame_bytes: int = 64 * 1024,
        cors_origins: list[str] | str | None = None,
    ) -> None:
        self._hub = hub
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            ping_interval=ping_interval,
            ping_timeout=max(5.0, ping_interval),
            max_http_buffer_size=max_frame_bytes,
            cors_allowed_origins=cors_origins if cors_origins is not None else [],
        )
        self.sio.on("connect", self._connect)
        self.sio.on("disconnect", self._disconnect)
        for event in frames.CLIENT_FRAMES:
            self.sio.on(event, self._handler(event))
        self.sio.on("*", self._unknown)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            identity = await self._hub.authenticator.authenticate(token)
        except SocketAuthError as exc:
            # Two arguments: ``message`` a string and ``data`` the object (one dict alone
            # reached clients as its Python repr in ``message``).
            raise socketio.exceptions.ConnectionRefusedError(
                "authentication failed", frames.error_frame(exc.code, "authentication failed")
            ) from None
        await self._hub.register(Connection(f"sio:{sid}", identity, self, handle=sid))

    async def _disconnect(self, sid: str, *_: Any) -> None:
        await self._hub.unregister(f"sio:{sid}")

    def _handler(self, event: str) -> Any:
        async def handle(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
            return await self._answer(sid, event, data)

        return handle

    async def _unknown(self, event: str, sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        return await self._answer(sid, event, data)

    async def _answer(self, sid: str, event: str, data: Any) -> dict[str, Any]:
        connection = self._hub.connection(f"sio:{sid}")
        result: dict[str, Any] | None = None
        error: dict[str, Any] | None
        if connection is None:
            error = frames.error_frame("not_connected", "the connection is not authenticated")
        else:
            result, error = await self._hub.handle(connection, event, data)
        if error is None:
            return {"ok": True, **(result or {})}
        await self.sio.emit("error", error, to=sid)
        return {"ok": False, "error": error}

    # --- Transport -----------------------------------------------------------------------------

    def encode(self, event: str, data: Any) -> list[Any]:
        """The engine.io packets of one event (as python-socketio's own room emit encodes them,
        minus its task per recipient)."""
        import engineio.packet

        encoded = self.sio.packet_class(
            socketio.packet.EVENT, namespace="/", data=[event, data]
        ).encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        return [engineio.packet.Packet(engineio.packet.MESSAGE, part) for part in parts]

    async def push(self, connection: Connection, encoded: list[Any]) -> None:
        eio_sid = self.sio.manager.eio_sid_from_sid(connection.handle, "/")
        if eio_sid is None:
            return  # gone: its disconnect is on its way
        for packet in encoded:
            await self.sio._send_eio_packet(eio_sid, packet)

    async def disconnect(self, connection: Connection, code: str) -> None:
        await self.sio.disconnect(connection.handle)
