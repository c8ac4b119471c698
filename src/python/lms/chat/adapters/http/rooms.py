"""Rooms, their history, read markers and moderation, over REST (the socket does the same
live). Every route needs a token with ``chat:participate``; the room decides the rest."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody, QueryParameter

from lms.chat.adapters.http.schemas import (
    CreateDirectRoom,
    CreateRoomRequest,
    EditMessageRequest,
    HistoryResponse,
    MessageResponse,
    MuteRequest,
    MuteResponse,
    PostMessageRequest,
    PostMessageResponse,
    ReadRequest,
    ReadResponse,
    RoomList,
    RoomResponse,
    RoomSummaryResponse,
)
from lms.chat.application.changes import DeleteMessage, EditMessage
from lms.chat.application.errors import RateLimited
from lms.chat.application.history import MarkRead, RoomHistory
from lms.chat.application.moderation import MuteMember
from lms.chat.application.posting import PostMessage
from lms.chat.application.rooms import CreateConversation, MyRooms, NewConversation
from lms.chat.domain.history import MAX_PAGE, Direction, anchor_from
from lms.chat.domain.rooms import RoomKind
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal

AnchorParam = Annotated[
    int, QueryParameter(ge=0, le=2**31 - 1, description="The sequence number to page from")
]
DirectionParam = Annotated[
    Direction,
    QueryParameter(description="latest (the anchor is ignored), before, after or around it"),
]
LimitParam = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size")]


class RoomsController(Controller):
    path = "/rooms"
    tags = ["rooms"]

    @get("/", summary="My rooms, with unread counts and the last message", responses=problems(403))
    @inject
    async def my_rooms(
        self, principal: FromDishka[Principal], use_case: FromDishka[MyRooms]
    ) -> RoomList:
        return RoomList(
            items=[RoomSummaryResponse.from_summary(s) for s in await use_case(principal)]
        )

    @post(
        "/", summary="Start a direct or group conversation in my college", responses=problems(403)
    )
    @inject
    async def create_room(
        self, data: JSONBody[CreateRoomRequest], principal: FromDishka[Principal],
        use_case: FromDishka[CreateConversation],
    ) -> RoomResponse:  # fmt: skip
        if isinstance(data, CreateDirectRoom):
            new = NewConversation(RoomKind.DIRECT, [data.member_id])
        else:
            new = NewConversation(RoomKind.GROUP, data.member_ids, data.title)
        room = await use_case(principal, new)
        return RoomResponse.from_domain(room)

    @get(
        "/{room_id:uuid}/messages",
        summary="A page of history around an anchor",
        responses=problems(403),
    )
    @inject
    async def history(
        self, room_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[RoomHistory], direction: DirectionParam = Direction.LATEST,
        anchor: AnchorParam = 0, limit: LimitParam = 50,
    ) -> HistoryResponse:  # fmt: skip
        page = await use_case(principal, room_id, anchor_from(direction, anchor, limit))
        return HistoryResponse.from_page(page)

    @post(
        "/{room_id:uuid}/messages",
        summary="Post a message (the socket's send)",
        responses=problems(403, 429),
    )
    @inject
    async def post_message(
        self, room_id: FromPath[UUID], data: JSONBody[PostMessageRequest],
        principal: FromDishka[Principal], use_case: FromDishka[PostMessage],
    ) -> PostMessageResponse:  # fmt: skip
        try:
            posted = await use_case(principal, room_id, data.body, data.client_id)
        except RateLimited as exc:
            retry = str(exc.extra.get("window_seconds", 10))
            raise TooManyRequestsException(exc.detail, headers={"Retry-After": retry}) from exc
        return PostMessageResponse(
            message=MessageResponse.from_domain(posted.message), duplicate=posted.duplicate
        )

    @post(
        "/{room_id:uuid}/read",
        summary="Move my read marker forward",
        status_code=200,
        responses=problems(403),
    )
    @inject
    async def mark_read(
        self, room_id: FromPath[UUID], data: JSONBody[ReadRequest],
        principal: FromDishka[Principal], use_case: FromDishka[MarkRead],
    ) -> ReadResponse:  # fmt: skip
        return ReadResponse(read_seq=await use_case(principal, room_id, data.seq))

    @post(
        "/{room_id:uuid}/mutes",
        summary="Mute a member for a time (moderators)",
        responses=problems(403),
    )
    @inject
    async def mute(
        self, room_id: FromPath[UUID], data: JSONBody[MuteRequest],
        principal: FromDishka[Principal], use_case: FromDishka[MuteMember],
    ) -> MuteResponse:  # fmt: skip
        until = await use_case(principal, room_id, data.user_id, data.minutes)
        return MuteResponse(room_id=room_id, user_id=data.user_id, until=until)


class MessagesController(Controller):
    path = "/messages"
    tags = ["messages"]

    @patch("/{message_id:uuid}", summary="Edit my message", responses=problems(403))
    @inject
    async def edit(
        self, message_id: FromPath[UUID], data: JSONBody[EditMessageRequest],
        principal: FromDishka[Principal], use_case: FromDishka[EditMessage],
    ) -> MessageResponse:  # fmt: skip
        return MessageResponse.from_domain(await use_case(principal, message_id, data.body))

    @delete(
        "/{message_id:uuid}",
        summary="Delete a message (mine, or any as moderator)",
        responses=problems(403),
    )
    @inject
    async def remove(
        self, message_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[DeleteMessage],
    ) -> None:  # fmt: skip
        await use_case(principal, message_id)
