"""``/me/push-subscriptions``: a device of the caller registers for Web Push, or leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, post
from litestar.params import FromPath, JSONBody

from lms.notification.application.push import RegisterPushSubscription, RemovePushSubscription
from lms.notification.domain.push import (
    AUTH_PATTERN,
    ENDPOINT_PATTERN,
    P256DH_PATTERN,
    PushSubscription,
)
from lms_platform.http.openapi import documented, problems
from lms_platform.kernel.principal import Principal

P256dh = Annotated[
    str, msgspec.Meta(min_length=87, max_length=88), documented(pattern=P256DH_PATTERN)
]
AuthSecret = Annotated[
    str, msgspec.Meta(min_length=22, max_length=24), documented(pattern=AUTH_PATTERN)
]


class PushKeys(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    p256dh: P256dh
    auth: AuthSecret


class PushSubscriptionRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What the browser's ``PushSubscription.toJSON()`` gives (``expirationTime`` allowed)."""

    endpoint: Annotated[
        str, msgspec.Meta(min_length=1, max_length=2048), documented(pattern=ENDPOINT_PATTERN)
    ]
    keys: PushKeys
    expirationTime: int | None = None  # noqa: N815 - the browser's name


class PushSubscriptionResponse(msgspec.Struct, kw_only=True):
    id: UUID
    endpoint: str
    created_at: datetime

    @classmethod
    def from_domain(cls, subscription: PushSubscription) -> PushSubscriptionResponse:
        return cls(
            id=subscription.id, endpoint=subscription.endpoint, created_at=subscription.created_at
        )


class PushSubscriptionsController(Controller):
    path = "/me/push-subscriptions"
    tags = ["push"]

    @post("/", status_code=201, summary="Register this device's Web Push subscription",
          responses=problems(403))  # fmt: skip
    @inject
    async def register(
        self, data: JSONBody[PushSubscriptionRequest], principal: FromDishka[Principal],
        use_case: FromDishka[RegisterPushSubscription],
    ) -> PushSubscriptionResponse:  # fmt: skip
        saved = await use_case(principal, data.endpoint, data.keys.p256dh, data.keys.auth)
        return PushSubscriptionResponse.from_domain(saved)

    @delete("/{subscription_id:uuid}", status_code=204, summary="Unregister a device",
            responses=problems(403, 404))  # fmt: skip
    @inject
    async def remove(
        self, subscription_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[RemovePushSubscription],
    ) -> None:  # fmt: skip
        await use_case(principal, subscription_id)
