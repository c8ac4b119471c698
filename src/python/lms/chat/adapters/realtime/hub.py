"""What both socket transports share (Socket.IO and the native WebSocket): the connections of
this process, every client frame checked against the caller's membership through the use cases,
and what the relay brings, delivered per socket in sequence order with no gap and no duplicate.
A transport only authenticates, carries frames in and pushes what the hub encodes with it.

Each connection keeps, per joined room, the last sequence number it was sent. A live message
right after it is sent at once; one further ahead (messages published out of order by two
processes, or lost while the socket was busy) first has the gap filled from PostgreSQL; one at
or below it was sent already (by the catch-up at join) and is skipped.

Each connection also gets its user's live channel (``live`` events: an assignment published to
their section, their grade posted, an in-app notification) from registration to the end,
whatever rooms it joined: the process watches the user's channel while it holds one of their
sockets, and each of those sockets gets each event once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar
from uuid import UUID

import msgspec
from dishka import AsyncContainer
from redis.asyncio import Redis

from lms.chat.adapters.realtime import frames
from lms.chat.adapters.realtime.fanout import CONTROL_CHANNEL, room_channel, user_channel
from lms.chat.adapters.realtime.ordering import RoomOrder
from lms.chat.adapters.realtime.relay import RoomRelay
from lms.chat.application.access import RoomGate
from lms.chat.application.changes import DeleteMessage, EditMessage
from lms.chat.application.history import CatchUp, MarkRead
from lms.chat.application.moderation import MuteMember
from lms.chat.application.posting import PostMessage
from lms.chat.domain.messages import Message
from lms_platform.kernel.errors import DomainError
from lms_platform.realtime import SocketAuthenticator, SocketAuthError, SocketIdentity
from lms_platform.realtime.scope import in_request_scope

T = TypeVar("T")
Result = dict[str, Any]
Error = dict[str, Any]


class Transport(Protocol):
    def encode(self, event: str, data: Any) -> Any:
        """One server event, encoded once for every recipient on this transport."""

    async def push(self, connection: Connection, encoded: Any) -> None: ...

    async def disconnect(self, connection: Connection, code: str) -> None:
        """Close ``connection`` (``code`` says why: ``token_expired``, ``shutdown``)."""


@dataclass(eq=False)
class Connection:
    key: str
    identity: SocketIdentity
    transport: Transport
    handle: Any = None  # the transport's own (engine.io sid, socketify socket)
    rooms: dict[UUID, int] = field(default_factory=dict)  # room -> last seq sent
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    expiry: asyncio.TimerHandle | None = None

    @property
    def principal(self) -> Any:
        return self.identity.principal


class FrameError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


class ChatHub:
    def __init__(
        self, container: AsyncContainer, authenticator: SocketAuthenticator, redis: Redis
    ) -> None:
        self._container = container
        self.authenticator = authenticator
        self.relay = RoomRelay(redis, self._deliver)
        self._connections: dict[str, Connection] = {}
        self._listeners: dict[str, set[str]] = {}  # channel -> connection keys
        self._orders: dict[str, RoomOrder] = {}
        self._handlers: dict[str, Callable[[Connection, Any], Awaitable[Result | None]]] = {
            "join": self._join, "leave": self._leave, "send": self._send, "edit": self._edit,
            "delete": self._delete, "mute": self._mute, "read": self._read,
            "reauth": self._reauth,
        }  # fmt: skip
        if set(self._handlers) != set(frames.CLIENT_FRAMES):
            raise RuntimeError("every client frame needs exactly one handler")

    async def start(self) -> None:
        await self.relay.start()

    async def stop(self) -> None:
        for connection in list(self._connections.values()):
            with contextlib.suppress(Exception):
                await connection.transport.disconnect(connection, "shutdown")
        await self.relay.stop()

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    def connection(self, key: str) -> Connection | None:
        return self._connections.get(key)

    async def register(self, connection: Connection) -> None:
        """An authenticated connection: it gets its user's live channel from now on."""
        self._connections[connection.key] = connection
        self._schedule_expiry(connection)
        channel = self._user_channel(connection)
        self._listeners.setdefault(channel, set()).add(connection.key)
        await self.relay.watch(channel)

    async def unregister(self, key: str) -> None:
        connection = self._connections.pop(key, None)
        if connection is None:
            return
        if connection.expiry is not None:
            connection.expiry.cancel()
        for room_id in list(connection.rooms):
            await self._forget(connection, room_id)
        channel = self._user_channel(connection)
        listeners = self._listeners.get(channel)
        if listeners is not None:
            listeners.discard(connection.key)
            if not listeners:
                del self._listeners[channel]
        await self.relay.unwatch(channel)

    @staticmethod
    def _user_channel(connection: Connection) -> str:
        principal = connection.principal  # reauth keeps the same person, so the same channel
        return user_channel(principal.tenant_id, principal.user_id)

    # --- client frames -------------------------------------------------------------------------

    async def handle(
        self, connection: Connection, event: str, data: Any
    ) -> tuple[Result | None, Error | None]:
        """The ack of one client frame: its result, or the error (with the frame's ``event``)."""
        try:
            frame = frames.CLIENT_FRAMES.get(event)
            if frame is None:
                return None, frames.error_frame("unknown_event", f"no such event: {event[:64]}")
            if connection.identity.seconds_left() <= 0:
                raise FrameError("token_expired", "the token expired; reauth first")
            try:
                decoded = msgspec.convert(data, frame, strict=True)
            except msgspec.ValidationError as exc:
                raise FrameError("invalid_frame", f"{event}: {exc}") from None
            return (await self._handlers[event](connection, decoded)) or {}, None
        except FrameError as exc:
            return None, frames.error_frame(exc.code, exc.detail, event=event)
        except DomainError as exc:
            return None, frames.error_frame(exc.code, exc.detail, event=event, **exc.extra)

    async def _use(self, kind: type[T], call: Callable[[T], Awaitable[Any]]) -> Any:
        return await in_request_scope(self._container, kind, call)

    async def _join(self, connection: Connection, frame: frames.JoinFrame) -> Result:
        principal = connection.principal
        room_id = frame.room_id
        after = frame.after_seq
        async with connection.lock:
            _, last = await self._use(CatchUp, lambda uc: uc(principal, room_id, after or 0, 0))
            first_join = room_id not in connection.rooms
            connection.rooms[room_id] = last if after is None else min(after, last)
            if first_join:
                channel = room_channel(principal.tenant_id, room_id)
                self._listeners.setdefault(channel, set()).add(connection.key)
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
                await self._emit(connection, "message", frames.message_frame(message))
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
            listeners.discard(connection.key)
            if not listeners:
                del self._listeners[channel]
                self._orders.pop(channel, None)
        await self.relay.unwatch(channel)

    async def _send(self, connection: Connection, frame: frames.SendFrame) -> Result:
        principal = connection.principal
        posted = await self._use(
            PostMessage, lambda uc: uc(principal, frame.room_id, frame.body, frame.client_id)
        )
        message: Message = posted.message
        return {"id": str(message.id), "seq": message.seq, "duplicate": posted.duplicate}

    async def _edit(self, connection: Connection, frame: frames.EditFrame) -> Result:
        principal = connection.principal
        edited = await self._use(
            EditMessage, lambda uc: uc(principal, frame.message_id, frame.body)
        )
        return {"id": str(edited.id), "seq": edited.seq}

    async def _delete(self, connection: Connection, frame: frames.DeleteFrame) -> Result:
        principal = connection.principal
        deleted = await self._use(DeleteMessage, lambda uc: uc(principal, frame.message_id))
        return {"id": str(deleted.id), "seq": deleted.seq}

    async def _mute(self, connection: Connection, frame: frames.MuteFrame) -> Result:
        principal = connection.principal
        until = await self._use(
            MuteMember, lambda uc: uc(principal, frame.room_id, frame.user_id, frame.minutes)
        )
        return {"until": until.isoformat()}

    async def _read(self, connection: Connection, frame: frames.ReadFrame) -> Result:
        principal = connection.principal
        marker = await self._use(MarkRead, lambda uc: uc(principal, frame.room_id, frame.seq))
        return {"read_seq": marker}

    async def _reauth(self, connection: Connection, frame: frames.ReauthFrame) -> Result:
        try:
            identity = await self.authenticator.authenticate(frame.token)
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
        identity = connection.identity
        connection.expiry = loop.call_later(
            max(identity.seconds_left(), 0.0),
            lambda: loop.create_task(self._expire(connection, identity)),
        )

    async def _expire(self, connection: Connection, identity: SocketIdentity) -> None:
        if self._connections.get(connection.key) is not connection:
            return  # gone
        if connection.identity is not identity:
            return  # re-authenticated since
        await self._emit(
            connection, "error", frames.error_frame("token_expired", "the token expired")
        )
        await connection.transport.disconnect(connection, "token_expired")

    # --- delivery from the relay ---------------------------------------------------------------

    async def _deliver(self, channel: str, payload: dict[str, Any]) -> None:
        if channel == CONTROL_CHANNEL:
            if payload.get("kind") == "access_lost":
                await self._recheck(str(payload["tenant"]), str(payload["user_id"]))
            return
        kind = payload.get("kind")
        if kind == "live":  # a user's channel: each of their sockets here, whatever it joined
            await self._broadcast(channel, "live", payload["live"])
        elif kind == "message":
            await self._order(channel).arrived(int(payload["message"]["seq"]), payload["message"])
        elif kind in ("edited", "deleted"):
            await self._broadcast(
                channel, "message_changed", {"kind": kind, "message": payload["message"]}
            )
        elif kind == "muted":
            await self._broadcast(channel, "member_muted", payload)

    def _order(self, channel: str) -> RoomOrder:
        order = self._orders.get(channel)
        if order is None:
            order = self._orders[channel] = RoomOrder(lambda seq, f: self._release(channel, seq, f))
        return order

    async def _emit(self, connection: Connection, event: str, data: Any) -> None:
        await connection.transport.push(connection, _Encoded(event, data).on(connection))

    async def _broadcast(self, channel: str, event: str, data: Any) -> None:
        encoded = _Encoded(event, data)
        for key in list(self._listeners.get(channel, ())):
            connection = self._connections.get(key)
            if connection is not None:
                await connection.transport.push(connection, encoded.on(connection))

    async def _release(self, channel: str, seq: int, frame: dict[str, Any]) -> None:
        room_id = UUID(frame["room_id"])
        encoded = _Encoded("message", frame)
        for key in list(self._listeners.get(channel, ())):
            connection = self._connections.get(key)
            if connection is None:
                continue
            cursor = connection.rooms.get(room_id)
            if not connection.lock.locked() and cursor == seq - 1:
                connection.rooms[room_id] = seq  # the fast path: the next one, nobody joining
                await connection.transport.push(connection, encoded.on(connection))
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
                await self._emit(connection, "message", frame)
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
        await self._emit(connection, "removed", {"room_id": str(room_id), "reason": "access_lost"})


class _Encoded:
    """One server event, encoded at most once per transport however many sockets get it."""

    __slots__ = ("_by_transport", "data", "event")

    def __init__(self, event: str, data: Any) -> None:
        if event not in frames.SERVER_EVENTS:
            raise ValueError(f"{event} is not a server event of the protocol")
        self.event, self.data = event, data
        self._by_transport: dict[int, Any] = {}

    def on(self, connection: Connection) -> Any:
        transport = connection.transport
        key = id(transport)
        if key not in self._by_transport:
            self._by_transport[key] = transport.encode(self.event, self.data)
        return self._by_transport[key]
