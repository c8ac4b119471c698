"""The Socket.IO edge: authenticate on connect (the ``auth`` payload, never the query string),
check every frame against the caller's membership through the use cases, and deliver what the
relay brings, per socket, in sequence order with no gap and no duplicate.

Each socket keeps, per joined room, the last sequence number it was sent. A live message right
after it is sent at once; one further ahead (messages published out of order by two processes,
or lost while the socket was busy) first has the gap filled from PostgreSQL; one at or below it
was sent already (by the catch-up at join) and is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

import msgspec
import socketio
from dishka import AsyncContainer
from redis.asyncio import Redis

from lms.chat.adapters.realtime import frames
from lms.chat.adapters.realtime.fanout import CONTROL_CHANNEL, room_channel
from lms.chat.adapters.realtime.relay import RoomRelay
from lms.chat.application.access import RoomGate
from lms.chat.application.changes import DeleteMessage, EditMessage
from lms.chat.application.history import CatchUp, MarkRead
from lms.chat.application.moderation import MuteMember
from lms.chat.application.posting import PostMessage
from lms.chat.domain.messages import Message
from lms_platform.kernel.errors import DomainError
from lms_platform.logging import get_logger
from lms_platform.realtime import SocketAuthenticator, SocketAuthError, SocketIdentity
from lms_platform.realtime.scope import in_request_scope

_log = get_logger("lms.chat.socket")
T = TypeVar("T")


@dataclass
class Connection:
    sid: str
    identity: SocketIdentity
    rooms: dict[UUID, int] = field(default_factory=dict)  # room -> last seq sent
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    expiry: asyncio.TimerHandle | None = None
    eio_sid: str | None = None

    @property
    def principal(self) -> Any:
        return self.identity.principal


class FrameError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


class ChatGateway:
    def __init__(
        self,
        container: AsyncContainer,
        authenticator: SocketAuthenticator,
        redis: Redis,
        *,
        ping_interval: float = 25.0,
        max_frame_bytes: int = 64 * 1024,
        cors_origins: list[str] | str | None = None,
    ) -> None:
        self._container = container
        self._auth = authenticator
        self.sio = socketio.AsyncServer(
            async_mode="asgi",
            ping_interval=ping_interval,
            ping_timeout=max(5.0, ping_interval),
            max_http_buffer_size=max_frame_bytes,
            cors_allowed_origins=cors_origins if cors_origins is not None else [],
        )
        self.relay = RoomRelay(redis, self._deliver)
        self._connections: dict[str, Connection] = {}
        self._listeners: dict[str, set[str]] = {}  # channel -> sids
        self._orders: dict[str, _RoomOrder] = {}
        self._register()

    async def start(self) -> None:
        await self.relay.start()

    async def stop(self) -> None:
        for sid in list(self._connections):
            with contextlib.suppress(Exception):
                await self.sio.disconnect(sid)
        await self.relay.stop()

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    # --- handlers ------------------------------------------------------------------------------

    def _register(self) -> None:
        sio = self.sio
        sio.on("connect", self._connect)
        sio.on("disconnect", self._disconnect)
        for event, frame, handler in (
            ("join", frames.JoinFrame, self._join),
            ("leave", frames.LeaveFrame, self._leave),
            ("send", frames.SendFrame, self._send),
            ("edit", frames.EditFrame, self._edit),
            ("delete", frames.DeleteFrame, self._delete),
            ("mute", frames.MuteFrame, self._mute),
            ("read", frames.ReadFrame, self._read),
            ("reauth", frames.ReauthFrame, self._reauth),
        ):
            sio.on(event, self._checked(event, frame, handler))
        sio.on("*", self._unknown)

    async def _connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        try:
            identity = await self._auth.authenticate(token)
        except SocketAuthError as exc:
            # Two arguments: ``message`` a string and ``data`` the object (one dict alone
            # reached clients as its Python repr in ``message``).
            raise socketio.exceptions.ConnectionRefusedError(
                "authentication failed", frames.error_frame(exc.code, "authentication failed")
            ) from None
        connection = Connection(sid, identity)
        self._connections[sid] = connection
        self._schedule_expiry(connection)

    async def _disconnect(self, sid: str, *_: Any) -> None:
        connection = self._connections.pop(sid, None)
        if connection is None:
            return
        if connection.expiry is not None:
            connection.expiry.cancel()
        for room_id in list(connection.rooms):
            await self._forget(connection, room_id)

    async def _unknown(self, event: str, sid: str, *_: Any) -> dict[str, Any]:
        error = frames.error_frame("unknown_event", f"no such event: {event[:64]}")
        await self.sio.emit("error", error, to=sid)
        return {"ok": False, "error": error}

    def _checked(
        self,
        event: str,
        frame: type[msgspec.Struct],
        handler: Callable[[Connection, Any], Awaitable[Any]],
    ) -> Callable[..., Awaitable[Any]]:
        async def checked(sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
            connection = self._connections.get(sid)
            try:
                if connection is None:
                    raise FrameError("not_connected", "the connection is not authenticated")
                if connection.identity.seconds_left() <= 0:
                    raise FrameError("token_expired", "the token expired; reauth first")
                try:
                    decoded = msgspec.convert(data, frame, strict=True)
                except msgspec.ValidationError as exc:
                    raise FrameError("invalid_frame", f"{event}: {exc}") from None
                result = await handler(connection, decoded)
                return {"ok": True, **(result or {})}
            except FrameError as exc:
                error = frames.error_frame(exc.code, exc.detail, event=event)
            except DomainError as exc:
                error = frames.error_frame(exc.code, exc.detail, event=event, **exc.extra)
            await self.sio.emit("error", error, to=sid)
            return {"ok": False, "error": error}

        return checked

    async def _use(self, kind: type[T], call: Callable[[T], Awaitable[Any]]) -> Any:
        return await in_request_scope(self._container, kind, call)

    async def _join(self, connection: Connection, frame: frames.JoinFrame) -> dict[str, Any]:
        principal = connection.principal
        room_id = frame.room_id
        after = frame.after_seq
        async with connection.lock:
            _, last = await self._use(CatchUp, lambda uc: uc(principal, room_id, after or 0, 0))
            first_join = room_id not in connection.rooms
            connection.rooms[room_id] = last if after is None else min(after, last)
            if first_join:
                channel = room_channel(principal.tenant_id, room_id)
                self._listeners.setdefault(channel, set()).add(connection.sid)
                await self.relay.watch(channel)
            sent = await self._catch_up(connection, room_id, None)
        return {"room_id": str(room_id), "last_seq": last, "caught_up": sent}

    async def _catch_up(self, connection: Connection, room_id: UUID, up_to: int | None) -> int:
        """Sends what the socket misses in ``room_id``, up to ``up_to`` (or the end); the
        caller holds the connection's lock."""
        principal, sent = connection.principal, 0
        while True:
            after = connection.rooms[room_id]
            async with self._container() as request:
                catch_up = await request.get(CatchUp)
                missed, last = await catch_up(principal, room_id, after, up_to)
            for message in missed:
                await self._push(connection, self._encode("message", frames.message_frame(message)))
                connection.rooms[room_id] = message.seq
                sent += 1
            end = last if up_to is None else min(up_to, last)
            if not missed or connection.rooms[room_id] >= end:
                return sent

    async def _leave(self, connection: Connection, frame: frames.LeaveFrame) -> None:
        async with connection.lock:
            await self._forget(connection, frame.room_id)

    async def _forget(self, connection: Connection, room_id: UUID) -> None:
        if connection.rooms.pop(room_id, None) is None:
            return
        channel = room_channel(connection.principal.tenant_id, room_id)
        listeners = self._listeners.get(channel)
        if listeners is not None:
            listeners.discard(connection.sid)
            if not listeners:
                del self._listeners[channel]
                self._orders.pop(channel, None)
        await self.relay.unwatch(channel)

    async def _send(self, connection: Connection, frame: frames.SendFrame) -> dict[str, Any]:
        principal = connection.principal
        posted = await self._use(
            PostMessage, lambda uc: uc(principal, frame.room_id, frame.body, frame.client_id)
        )
        message: Message = posted.message
        return {"id": str(message.id), "seq": message.seq, "duplicate": posted.duplicate}

    async def _edit(self, connection: Connection, frame: frames.EditFrame) -> dict[str, Any]:
        principal = connection.principal
        edited = await self._use(
            EditMessage, lambda uc: uc(principal, frame.message_id, frame.body)
        )
        return {"id": str(edited.id), "seq": edited.seq}

    async def _delete(self, connection: Connection, frame: frames.DeleteFrame) -> dict[str, Any]:
        principal = connection.principal
        deleted = await self._use(DeleteMessage, lambda uc: uc(principal, frame.message_id))
        return {"id": str(deleted.id), "seq": deleted.seq}

    async def _mute(self, connection: Connection, frame: frames.MuteFrame) -> dict[str, Any]:
        principal = connection.principal
        until = await self._use(
            MuteMember, lambda uc: uc(principal, frame.room_id, frame.user_id, frame.minutes)
        )
        return {"until": until.isoformat()}

    async def _read(self, connection: Connection, frame: frames.ReadFrame) -> dict[str, Any]:
        principal = connection.principal
        marker = await self._use(MarkRead, lambda uc: uc(principal, frame.room_id, frame.seq))
        return {"read_seq": marker}

    async def _reauth(self, connection: Connection, frame: frames.ReauthFrame) -> dict[str, Any]:
        try:
            identity = await self._auth.authenticate(frame.token)
        except SocketAuthError as exc:
            raise FrameError(exc.code, "authentication failed") from None
        old = connection.principal
        new = identity.principal
        if (new.user_id, new.tenant_id) != (old.user_id, old.tenant_id):
            raise FrameError("token_mismatch", "the new token is for someone else")
        connection.identity = identity
        self._schedule_expiry(connection)
        return {"expires_in": int(identity.seconds_left())}

    # --- token expiry --------------------------------------------------------------------------

    def _schedule_expiry(self, connection: Connection) -> None:
        if connection.expiry is not None:
            connection.expiry.cancel()
        loop = asyncio.get_running_loop()
        connection.expiry = loop.call_later(
            max(connection.identity.seconds_left(), 0.0),
            lambda: loop.create_task(self._expire(connection.sid, connection.identity)),
        )

    async def _expire(self, sid: str, identity: SocketIdentity) -> None:
        connection = self._connections.get(sid)
        if connection is None or connection.identity is not identity:
            return  # gone, or re-authenticated since
        await self.sio.emit(
            "error", frames.error_frame("token_expired", "the token expired"), to=sid
        )
        await self.sio.disconnect(sid)

    # --- delivery from the relay ---------------------------------------------------------------

    async def _deliver(self, channel: str, payload: dict[str, Any]) -> None:
        if channel == CONTROL_CHANNEL:
            if payload.get("kind") == "access_lost":
                await self._recheck(str(payload["tenant"]), str(payload["user_id"]))
            return
        kind = payload.get("kind")
        if kind == "message":
            await self._order(channel).arrived(int(payload["message"]["seq"]), payload["message"])
        elif kind in ("edited", "deleted"):
            await self._broadcast(
                channel, "message_changed", {"kind": kind, "message": payload["message"]}
            )
        elif kind == "muted":
            await self._broadcast(channel, "member_muted", payload)

    def _order(self, channel: str) -> _RoomOrder:
        order = self._orders.get(channel)
        if order is None:
            order = self._orders[channel] = _RoomOrder(
                lambda seq, f: self._release(channel, seq, f)
            )
        return order

    def _encode(self, event: str, data: Any) -> list[Any]:
        """The engine.io packets of one event, encoded once for every recipient (as
        python-socketio's own room emit does, minus its task per recipient)."""
        import engineio.packet

        encoded = self.sio.packet_class(
            socketio.packet.EVENT, namespace="/", data=[event, data]
        ).encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        return [engineio.packet.Packet(engineio.packet.MESSAGE, part) for part in parts]

    async def _push(self, connection: Connection, packets: list[Any]) -> None:
        if connection.eio_sid is None:
            connection.eio_sid = self.sio.manager.eio_sid_from_sid(connection.sid, "/")
        for packet in packets:
            await self.sio._send_eio_packet(connection.eio_sid, packet)

    async def _broadcast(self, channel: str, event: str, data: Any) -> None:
        packets = self._encode(event, data)
        for sid in list(self._listeners.get(channel, ())):
            connection = self._connections.get(sid)
            if connection is not None:
                await self._push(connection, packets)

    async def _release(self, channel: str, seq: int, frame: dict[str, Any]) -> None:
        room_id = UUID(frame["room_id"])
        packets = self._encode("message", frame)
        for sid in list(self._listeners.get(channel, ())):
            connection = self._connections.get(sid)
            if connection is None:
                continue
            cursor = connection.rooms.get(room_id)
            if not connection.lock.locked() and cursor == seq - 1:
                connection.rooms[room_id] = seq  # the fast path: the next one, nobody joining
                await self._push(connection, packets)
            elif cursor is not None and seq > cursor:
                await self._deliver_message(connection, room_id, seq, frame)

    async def _deliver_message(
        self, connection: Connection, room_id: UUID, seq: int, frame: dict[str, Any]
    ) -> None:
        async with connection.lock:
            cursor = connection.rooms.get(room_id)
            if cursor is None or seq <= cursor:
                return
            if seq == cursor + 1:
                connection.rooms[room_id] = seq
                await self._push(connection, self._encode("message", frame))
                return
            try:
                await self._catch_up(connection, room_id, seq)
            except DomainError:
                await self._remove(connection, room_id)

    async def _recheck(self, tenant_id: str, user_id: str) -> None:
        for connection in list(self._connections.values()):
            principal = connection.principal
            if principal.tenant_id != tenant_id or principal.user_id != user_id:
                continue
            async with connection.lock:
                for room_id in list(connection.rooms):
                    try:
                        async with self._container() as request:
                            await (await request.get(RoomGate)).open(principal, room_id)
                    except DomainError:
                        await self._remove(connection, room_id)

    async def _remove(self, connection: Connection, room_id: UUID) -> None:
        await self._forget(connection, room_id)
        await self.sio.emit(
            "removed", {"room_id": str(room_id), "reason": "access_lost"}, to=connection.sid
        )


class _RoomOrder:
    """Puts one room's live messages back in sequence order before they reach the sockets.

    Two processes may publish seq 7 just after seq 8 (each commits, then publishes). Sent as
    they come, every socket would see 8 after 6 and fill the gap from PostgreSQL. Held here up
    to ``HOLD_SECONDS`` for the missing one, they go out in order; a gap still open after that
    (a publish lost with its process) is filled per socket from PostgreSQL as before.
    """

    HOLD_SECONDS = 0.2

    def __init__(self, release: Callable[[int, dict[str, Any]], Awaitable[None]]) -> None:
        self._release = release
        self._next: int | None = None
        self._held: dict[int, dict[str, Any]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()

    async def arrived(self, seq: int, frame: dict[str, Any]) -> None:
        async with self._lock:
            if self._next is None or seq <= self._next:
                await self._release(seq, frame)
                self._next = max(self._next or 0, seq + 1)
            else:
                self._held[seq] = frame
                if self._timer is None:
                    loop = asyncio.get_running_loop()
                    self._timer = loop.call_later(
                        self.HOLD_SECONDS, lambda: loop.create_task(self._give_up())
                    )
            while self._next in self._held:
                await self._release(self._next, self._held.pop(self._next))
                self._next += 1
            if not self._held and self._timer is not None:
                self._timer.cancel()
                self._timer = None

    async def _give_up(self) -> None:
        async with self._lock:
            self._timer = None
            for seq in sorted(self._held):
                await self._release(seq, self._held.pop(seq))
                self._next = seq + 1
