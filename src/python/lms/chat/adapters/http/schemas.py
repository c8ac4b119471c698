"""Request and response bodies of the chat REST API (msgspec)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from lms.chat.application.ports import HistoryPage, RoomSummary
from lms.chat.domain.messages import MAX_BODY_CHARS, MAX_CLIENT_ID_LENGTH, Message
from lms.chat.domain.rooms import MAX_GROUP_MEMBERS, MAX_TITLE_LENGTH, Room

Body = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY_CHARS)]
ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CLIENT_ID_LENGTH)]
Seq = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]


class MessageResponse(msgspec.Struct, kw_only=True):
    id: UUID
    room_id: UUID
    seq: int
    sender_id: UUID
    body: str | None
    client_id: str | None
    created_at: datetime
    edited_at: datetime | None
    deleted: bool

    @classmethod
    def from_domain(cls, m: Message) -> MessageResponse:
        return cls(
            id=m.id, room_id=m.room_id, seq=m.seq, sender_id=m.sender_id,
            body=None if m.is_deleted else m.body, client_id=m.client_id,
            created_at=m.created_at, edited_at=m.edited_at, deleted=m.is_deleted,
        )  # fmt: skip


class RoomResponse(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    title: str
    course_id: UUID | None
    section_id: UUID | None
    last_seq: int

    @classmethod
    def from_domain(cls, r: Room) -> RoomResponse:
        return cls(
            id=r.id, kind=r.kind.value, title=r.title, course_id=r.course_id,
            section_id=r.section_id, last_seq=r.last_seq,
        )  # fmt: skip


class RoomSummaryResponse(RoomResponse, kw_only=True):
    unread: int
    read_seq: int
    last_message: MessageResponse | None

    @classmethod
    def from_summary(cls, s: RoomSummary) -> RoomSummaryResponse:
        r = s.room
        return cls(
            id=r.id, kind=r.kind.value, title=r.title, course_id=r.course_id,
            section_id=r.section_id, last_seq=r.last_seq, unread=s.unread, read_seq=s.read_seq,
            last_message=MessageResponse.from_domain(s.last_message) if s.last_message else None,
        )  # fmt: skip


class RoomList(msgspec.Struct, kw_only=True):
    items: list[RoomSummaryResponse]


class CreateDirectRoom(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="kind", tag="direct"
):
    member_id: UUID


class CreateGroupRoom(
    msgspec.Struct, kw_only=True, forbid_unknown_fields=True, tag_field="kind", tag="group"
):
    member_ids: Annotated[list[UUID], msgspec.Meta(min_length=1, max_length=MAX_GROUP_MEMBERS - 1)]
    title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE_LENGTH)] | None = None


CreateRoomRequest = CreateDirectRoom | CreateGroupRoom


class PostMessageRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Body
    client_id: ClientId | None = None


class PostMessageResponse(msgspec.Struct, kw_only=True):
    message: MessageResponse
    duplicate: bool


class EditMessageRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Body


class HistoryResponse(msgspec.Struct, kw_only=True):
    messages: list[MessageResponse]
    reached_start: bool
    reached_end: bool

    @classmethod
    def from_page(cls, page: HistoryPage) -> HistoryResponse:
        return cls(
            messages=[MessageResponse.from_domain(m) for m in page.messages],
            reached_start=page.reached_start,
            reached_end=page.reached_end,
        )


class ReadRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    seq: Seq


class ReadResponse(msgspec.Struct, kw_only=True):
    read_seq: int


class MuteRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user_id: UUID
    minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)]


class MuteResponse(msgspec.Struct, kw_only=True):
    room_id: UUID
    user_id: UUID
    until: datetime
