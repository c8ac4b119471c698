"""A device registers (or drops) its Web Push subscription for the caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from lms.notification.application.authorization import ensure_account
from lms.notification.application.errors import PushSubscriptionNotFound
from lms.notification.application.ports import PushSubscriptionStore
from lms.notification.domain.push import PushSubscription, check_subscription
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


class PushUnitOfWork(Protocol):
    push_subscriptions: PushSubscriptionStore

    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PushEndpointPolicy:
    allow_loopback_http: bool = False  # development and tests: a local push endpoint


class RegisterPushSubscription:
    def __init__(
        self, uow: PushUnitOfWork, clock: Clock, ids: IdGenerator, policy: PushEndpointPolicy
    ) -> None:
        self._uow, self._clock, self._ids, self._policy = uow, clock, ids, policy

    async def __call__(
        self, principal: Principal, endpoint: str, p256dh: str, auth: str
    ) -> PushSubscription:
        ensure_account(principal)
        check_subscription(
            endpoint, p256dh, auth, allow_loopback_http=self._policy.allow_loopback_http
        )
        saved = await self._uow.push_subscriptions.save(
            PushSubscription(
                id=self._ids.new_id(),
                college_id=principal.tenant_id,
                account_id=principal.user_id,
                endpoint=endpoint,
                p256dh=p256dh,
                auth=auth,
                created_at=self._clock.now(),
            )
        )
        await self._uow.commit()
        return saved


class RemovePushSubscription:
    def __init__(self, uow: PushUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, subscription_id: UUID) -> None:
        ensure_account(principal)
        if not await self._uow.push_subscriptions.remove(
            principal.tenant_id, principal.user_id, subscription_id
        ):
            raise PushSubscriptionNotFound()
        await self._uow.commit()
