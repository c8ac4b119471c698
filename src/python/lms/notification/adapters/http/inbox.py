"""``/me/notifications`` (the caller's in-app inbox) and ``/notifications`` (a college's
delivery history, for its admins)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, QueryParameter

from lms.notification.adapters.http.schemas import (
    ChannelName,
    DeliveryResponse,
    InboxItemResponse,
    StateName,
    TypeName,
)
from lms.notification.application.inbox import (
    ListDeliveries,
    ListMyNotifications,
    MarkNotificationRead,
)
from lms.notification.application.ports import DeliveryFilter
from lms.notification.domain.deliveries import DeliveryState
from lms.notification.domain.kinds import Channel, NotificationType
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    LimitQuery,
    OffsetQuery,
    PageResponse,
    page_request,
    to_page_response,
)
from lms_platform.kernel.pagination import DEFAULT_LIMIT
from lms_platform.kernel.principal import Principal

Limit = LimitQuery
Offset = OffsetQuery


class InboxController(Controller):
    path = "/me/notifications"
    tags = ["inbox"]

    @get("/", summary="The caller's in-app notifications, newest first", responses=problems(403))
    @inject
    async def list_inbox(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListMyNotifications],
        unread: Annotated[bool, QueryParameter(description="Only the unread ones")] = False,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageResponse[InboxItemResponse]:
        page = await use_case(principal, unread_only=unread, page=page_request(limit, offset))
        return to_page_response(page, InboxItemResponse.from_domain)

    @post("/{notification_id:uuid}/read", status_code=204, summary="Mark one as read",
          responses=problems(403, 404))  # fmt: skip
    @inject
    async def mark_read(
        self,
        notification_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[MarkNotificationRead],
    ) -> None:
        await use_case(principal, notification_id)


class DeliveryHistoryController(Controller):
    path = "/notifications"
    tags = ["history"]

    @get("/", summary="Deliveries of a college (its admins), newest first, filtered",
         responses=problems(403))  # fmt: skip
    @inject
    async def list_deliveries(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListDeliveries],
        college_id: Annotated[
            str | None,
            QueryParameter(
                min_length=1, max_length=64, description="Super admins: another college"
            ),
        ] = None,
        user_id: Annotated[str | None, QueryParameter(min_length=1, max_length=64)] = None,
        type: FromQuery[TypeName | None] = None,  # - the API's name
        channel: FromQuery[ChannelName | None] = None,
        delivery_state: Annotated[StateName | None, QueryParameter(query="state")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> PageResponse[DeliveryResponse]:
        where = DeliveryFilter(
            college_id=college_id or principal.tenant_id,
            account_id=user_id,
            type=NotificationType(type) if type else None,
            channel=Channel(channel) if channel else None,
            state=DeliveryState(delivery_state) if delivery_state else None,
        )
        page = await use_case(principal, where, page_request(limit, offset))
        return to_page_response(page, DeliveryResponse.from_domain)
