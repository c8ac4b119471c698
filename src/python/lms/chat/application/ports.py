"""Ports: what the chat use cases need from the outside world, as Protocols the adapters
implement."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lms.chat.domain.history import Anchor
from lms.chat.domain.live import LiveNotice
from lms.chat.domain.messages import Message
from lms.chat.domain.rooms import Room
from lms_platform.kernel.events import DomainEvent


@dataclass(frozen=True, slots=True)
class HistoryPage:
    messages: Sequence[Message]
    reached_start: bool
    reached_end: bool


@dataclass(frozen=True, slots=True)
class RoomSummary:
    room: Room
    unread: int
    last_message: Message | None
    read_seq: int


@dataclass(frozen=True, slots=True)
class PostingView:
    """What a post is checked against, read at once: the room, the sender's mute and the id
    of their message with the same client id, if any."""

    room: Room
    muted_until: datetime | None
    earlier_id: UUID | None


class ChatStore(Protocol):
    """Rooms, messages, read markers and mutes of one transaction (the unit of work)."""

    def record(self, event: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    async def room(self, tenant_id: str, room_id: UUID) -> Room | None: ...

    async def add_room_if_missing(self, room: Room, members: Sequence[UUID] = ()) -> bool:
        """True when the room was created now (false: it existed)."""
        ...

    async def posting_view(
        self, tenant_id: str, room_id: UUID, sender_id: UUID, client_id: str | None
    ) -> PostingView | None:
        """None when the room is not one of ``tenant_id``'s."""
        ...

    async def listed_members(self, room_id: UUID) -> set[UUID]: ...

    async def rooms_listing(self, tenant_id: str, user_id: UUID) -> Sequence[UUID]:
        """Direct and group rooms the user is listed in."""
        ...

    async def summaries(
        self, tenant_id: str, rooms: Sequence[UUID], user_id: UUID
    ) -> Sequence[RoomSummary]: ...

    async def message(self, tenant_id: str, message_id: UUID) -> Message | None: ...

    async def save_message(self, message: Message) -> None: ...

    async def page(self, room_id: UUID, anchor: Anchor) -> HistoryPage: ...

    async def since(
        self, room_id: UUID, after_seq: int, up_to: int, limit: int
    ) -> Sequence[Message]: ...

    async def move_read_marker(self, room_id: UUID, user_id: UUID, seq: int) -> int:
        """Moves forward only; returns the marker after the move."""
        ...

    async def mute(self, room_id: UUID, user_id: UUID, until: datetime, by: UUID) -> None: ...


@dataclass(frozen=True, slots=True)
class Appended:
    message: Message
    duplicate: bool  # the sender's earlier message with the same client id


class MessageLog(Protocol):
    """Numbers and stores new messages, each with its events in the same transaction; many
    posts of the process may share one transaction (group commit)."""

    async def append(
        self, draft: Message, events: Callable[[Message], Sequence[DomainEvent]]
    ) -> Appended:
        """Stores ``draft`` (its ``seq`` is ignored) with the room's next number and the
        events ``events`` makes of the stored message; returns once committed. When the sender
        already posted ``draft.client_id`` in the room, nothing is stored and that message
        comes back as a duplicate."""
        ...


class LiveFanout(Protocol):
    """Delivers to every process's connected members (after the commit, once per message)."""

    async def message(self, message: Message) -> None: ...

    async def changed(self, message: Message, change: str) -> None:
        """``change`` is ``edited`` or ``deleted``."""
        ...

    async def muted(
        self, tenant_id: str, room_id: UUID, user_id: UUID, until: datetime
    ) -> None: ...

    async def access_lost(self, tenant_id: str, user_id: UUID) -> None:
        """Every process re-checks the user's joined rooms and removes them where refused."""
        ...

    async def live(self, tenant_id: str, user_ids: Collection[str], notice: LiveNotice) -> None:
        """To every socket of each of ``user_ids`` (of ``tenant_id``), on every process."""
        ...


class RateLimiter(Protocol):
    async def allow(self, key: str, limit: int, window_seconds: int) -> bool: ...
