"""The chat.* events. Message bodies stay out unless the room's policy lets them in: analytics
needs counts, not text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from lms_platform.kernel.events import DomainEvent

CHAT_TOPIC = "chat"


@dataclass(frozen=True, kw_only=True)
class ChatEvent(DomainEvent):
    topic: ClassVar[str] = CHAT_TOPIC
    room_id: str

    @property
    def partition_key(self) -> str:
        return self.room_id  # one room's events stay in order


@dataclass(frozen=True, kw_only=True)
class RoomCreated(ChatEvent):
    event_type: ClassVar[str] = "chat.room_created"
    kind: str
    course_id: str | None = None
    section_id: str | None = None
    member_count: int | None = None


@dataclass(frozen=True, kw_only=True)
class MessagePosted(ChatEvent):
    event_type: ClassVar[str] = "chat.message_posted"
    seq: int
    sender_id: str
    length: int
    body: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageEdited(ChatEvent):
    event_type: ClassVar[str] = "chat.message_edited"
    seq: int
    editor_id: str
    length: int
    body: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageDeleted(ChatEvent):
    event_type: ClassVar[str] = "chat.message_deleted"
    seq: int
    deleted_by: str
    by_moderator: bool


@dataclass(frozen=True, kw_only=True)
class MemberMuted(ChatEvent):
    event_type: ClassVar[str] = "chat.member_muted"
    user_id: str
    muted_by: str
    until: str


@dataclass(frozen=True, kw_only=True)
class Mentioned(ChatEvent):
    """Members named in a posted message (``lms.chat.domain.mentions``) who may read the room;
    never the sender. The body follows ``chat.message_posted``'s rule."""

    event_type: ClassVar[str] = "chat.mentioned"
    message_id: str
    seq: int
    sender_id: str
    mentioned_user_ids: list[str]
    body: str | None = None
