"""Reading a room: pages around an anchor, catch-up after a reconnect, and the read marker."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from lms.chat.application.access import RoomGate
from lms.chat.application.ports import ChatStore, HistoryPage
from lms.chat.domain.history import Anchor
from lms.chat.domain.messages import Message
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.principal import Principal

MAX_CATCH_UP = 1000


class RoomHistory:
    def __init__(self, store: ChatStore, gate: RoomGate) -> None:
        self._store, self._gate = store, gate

    async def __call__(self, principal: Principal, room_id: UUID, anchor: Anchor) -> HistoryPage:
        await self._gate.open(principal, room_id)
        return await self._store.page(room_id, anchor)


class CatchUp:
    """Every message after ``after_seq`` (deleted ones as tombstones, so numbers never skip),
    up to ``up_to`` when given; at most ``MAX_CATCH_UP`` at a time."""

    def __init__(self, store: ChatStore, gate: RoomGate) -> None:
        self._store, self._gate = store, gate

    async def __call__(
        self, principal: Principal, room_id: UUID, after_seq: int, up_to: int | None = None
    ) -> tuple[Sequence[Message], int]:
        """The messages and the room's last sequence number."""
        if after_seq < 0:
            raise InvalidInput("a sequence number is not negative", field="after_seq")
        opened = await self._gate.open(principal, room_id)
        room = await self._store.room(principal.tenant_id, room_id)
        last = room.last_seq if room is not None else opened.room.last_seq
        end = last if up_to is None else min(up_to, last)
        return await self._store.since(room_id, after_seq, end, MAX_CATCH_UP), last


class MarkRead:
    async def __call__(self, principal: Principal, room_id: UUID, seq: int) -> int:
        if seq < 0:
            raise InvalidInput("a sequence number is not negative", field="seq")
        opened = await self._gate.open(principal, room_id)
        marker = await self._store.move_read_marker(
            room_id, opened.user_id, min(seq, opened.room.last_seq)
        )
        await self._store.commit()
        return marker

    def __init__(self, store: ChatStore, gate: RoomGate) -> None:
        self._store, self._gate = store, gate
