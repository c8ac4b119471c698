"""The in-app inbox of the caller, and the delivery history of a college for its admins."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from lms.notification.application.authorization import ensure_account, ensure_college_admin
from lms.notification.application.errors import NotificationNotFound
from lms.notification.application.ports import DeliveryFilter, NotificationStore
from lms.notification.domain.deliveries import Delivery, Notification
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class InboxUnitOfWork(Protocol):
    notifications: NotificationStore

    async def commit(self) -> None: ...


class ListMyNotifications:
    def __init__(self, uow: InboxUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, *, unread_only: bool, page: PageRequest
    ) -> Page[Notification]:
        ensure_account(principal)
        return await self._uow.notifications.inbox(
            principal.tenant_id, principal.user_id, unread_only, page
        )


class MarkNotificationRead:
    def __init__(self, uow: InboxUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, principal: Principal, notification_id: UUID) -> None:
        ensure_account(principal)
        found = await self._uow.notifications.mark_read(
            principal.tenant_id, principal.user_id, notification_id, self._clock.now()
        )
        if not found:  # someone else's, another college's, or none: the same answer
            raise NotificationNotFound()
        await self._uow.commit()


class ListDeliveries:
    def __init__(self, uow: InboxUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, principal: Principal, where: DeliveryFilter, page: PageRequest
    ) -> Page[Delivery]:
        ensure_college_admin(principal, where.college_id)
        return await self._uow.notifications.deliveries(where, page)
