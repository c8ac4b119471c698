"""From a source event to a notification with one delivery per channel, decided by the
user's preferences: queued now, after quiet hours or for a digest; suppressed; or straight
into the in-app inbox. Idempotent by the source event id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from lms.notification.application.ports import (
    DeliveryWakeup,
    IntakeUnitOfWork,
    TemplateRenderer,
)
from lms.notification.domain.deliveries import (
    Delivery,
    DeliveryState,
    Notification,
    Recipient,
)
from lms.notification.domain.events import InAppNotificationCreated
from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.preferences import Preferences, send_at
from lms.notification.domain.templates import (
    TEMPLATE_VARIABLES,
    RenderedMessage,
    default_template,
)
from lms_platform.kernel.ports import Clock, IdGenerator


@dataclass(frozen=True, slots=True, kw_only=True)
class NotificationRequest:
    source_event_id: UUID
    college_id: str
    type: NotificationType
    recipient: Recipient
    variables: Mapping[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    # The caller looked the recipient up already (an audience): no second lookup.
    recipient_resolved: bool = False


class AcceptNotification:
    def __init__(
        self,
        uow: IntakeUnitOfWork,
        clock: Clock,
        ids: IdGenerator,
        renderer: TemplateRenderer,
        wakeup: DeliveryWakeup,
    ) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids
        self._renderer, self._wakeup = renderer, wakeup

    async def __call__(self, request: NotificationRequest) -> bool:
        """True when a notification was created, False for a replayed source event."""
        created = await self.stage(request)
        if created is None:
            return False
        await self._uow.commit()
        if created:
            self._wakeup.delivery_queued()
        return True

    async def accept_many(self, requests: Sequence[NotificationRequest]) -> int:
        """One transaction, and one insert, for a whole audience (a section's students);
        returns how many notifications were new."""
        by_college: dict[str, list[str]] = {}
        for request in requests:
            by_college.setdefault(request.college_id, []).append(request.recipient.account_id)
        defaults = {
            college: await self._uow.college_defaults.get(college) for college in by_college
        }
        preferences = {
            (college, account): chosen
            for college, accounts in by_college.items()
            for account, chosen in (await self._uow.preferences.get_many(college, accounts)).items()
        }
        built = [
            await self._build(
                request,
                preferences.get(
                    (request.college_id, request.recipient.account_id), Preferences()
                ).under(defaults[request.college_id]),
            )
            for request in requests
        ]
        created = await self._uow.notifications.add_many([(n, ds) for n, ds, _ in built])
        for notification, deliveries, body in built:
            if notification.id in created:
                self._announce(notification, deliveries, body)
        await self._uow.commit()
        if any(
            d.state is DeliveryState.QUEUED for n, ds, _ in built if n.id in created for d in ds
        ):
            self._wakeup.delivery_queued()
        return len(created)

    async def stage(self, request: NotificationRequest) -> bool | None:
        """Writes (uncommitted) the notification and its deliveries: None for a replayed
        source event, else whether anything is queued for sending."""
        notification, deliveries, body = await self._build(request)
        if not await self._uow.notifications.add(notification, deliveries):
            return None
        self._announce(notification, deliveries, body)
        return any(d.state is DeliveryState.QUEUED for d in deliveries)

    def _announce(
        self, notification: Notification, deliveries: Sequence[Delivery], body_text: str
    ) -> None:
        """An inbox notification goes out on ``notification.in_app_created`` (the chat
        service's live channel), in the transaction that stores it."""
        if not any(
            d.channel is Channel.IN_APP and d.state is DeliveryState.DELIVERED for d in deliveries
        ):
            return
        self._uow.record(
            InAppNotificationCreated(
                aggregate_id=str(notification.id),
                tenant_id=notification.college_id,
                notification={
                    "id": str(notification.id),
                    "user_id": notification.recipient.account_id,
                    "kind": notification.type.value,
                    "subject": notification.title,
                    "body_text": body_text,
                    "created_at": notification.created_at.isoformat(),
                },
            )
        )

    async def _build(
        self, request: NotificationRequest, preferences: Preferences | None = None
    ) -> tuple[Notification, list[Delivery], str]:
        now = self._clock.now()
        recipient = request.recipient
        if not request.recipient_resolved:
            recipient = await self._known_recipient(request)
        if preferences is None:
            chosen = await self._uow.preferences.get(request.college_id, recipient.account_id)
            preferences = chosen.under(await self._uow.college_defaults.get(request.college_id))
        channels = await self._channels(request, recipient, preferences)
        inbox = (
            await self._inbox_message(request, recipient) if Channel.IN_APP in channels else None
        )
        notification = Notification(
            id=self._ids.new_id(),
            college_id=request.college_id,
            recipient=recipient,
            type=request.type,
            source_event_id=request.source_event_id,
            created_at=now,
            variables=dict(request.variables),
            expires_at=request.expires_at,
            title=inbox.subject[:200] if inbox else "",
        )
        deliveries = [self._delivery(notification, c, preferences, now) for c in channels]
        return notification, deliveries, inbox.text_body if inbox else ""

    async def _known_recipient(self, request: NotificationRequest) -> Recipient:
        """The event's contact details win (auth sends the address it just checked); else
        the copy kept from ``account.*`` events."""
        given = request.recipient
        if given.email is not None and given.timezone is not None:
            return given
        stored = await self._uow.recipients.get(request.college_id, given.account_id)
        if stored is None:
            return given
        return Recipient(
            account_id=given.account_id,
            email=given.email or stored.email,
            display_name=given.display_name or stored.display_name,
            phone=given.phone or stored.phone,
            timezone=given.timezone or stored.timezone,
        )

    async def _inbox_message(
        self, request: NotificationRequest, recipient: Recipient
    ) -> RenderedMessage:
        content = default_template(request.type, Channel.IN_APP)
        return await self._renderer.render(content, _with_blanks(request, recipient))

    async def _channels(
        self, request: NotificationRequest, recipient: Recipient, preferences: Preferences
    ) -> list[Channel]:
        wanted = [
            channel
            for channel in Channel
            if channel in preferences.default_channels(request.type)
            or preferences.cadence(request.type, channel) is not Cadence.OFF
        ]
        reachable: list[Channel] = []
        for channel in wanted:
            if channel is Channel.EMAIL and not recipient.email:
                continue
            if channel is Channel.SMS and not recipient.phone:
                continue
            if channel is Channel.PUSH and not await self._uow.push_subscriptions.has_any(
                request.college_id, recipient.account_id
            ):
                continue
            reachable.append(channel)
        return reachable

    def _delivery(
        self, notification: Notification, channel: Channel, preferences: Preferences, now: datetime
    ) -> Delivery:
        cadence = preferences.cadence(notification.type, channel)
        if cadence is Cadence.OFF:
            state, due = DeliveryState.SUPPRESSED, now
        elif channel is Channel.IN_APP:
            state, due = DeliveryState.DELIVERED, now  # the inbox row is the delivery
        else:
            due = send_at(
                preferences, notification.type, cadence, now, notification.recipient.timezone
            )
            state = DeliveryState.QUEUED
        delivery = Delivery(
            id=self._ids.new_id(),
            notification_id=notification.id,
            college_id=notification.college_id,
            account_id=notification.recipient.account_id,
            type=notification.type,
            channel=channel,
            cadence=cadence,
            state=DeliveryState.QUEUED,
            due_at=due,
            created_at=now,
        )
        delivery.mark(state, now)
        if state is DeliveryState.DELIVERED:
            delivery.provider = "inbox"
        return delivery


def _with_blanks(request: NotificationRequest, recipient: Recipient) -> dict[str, Any]:
    """The request's variables, the type's others blank, the name and address the known
    recipient's where the event gave none (as the delivery worker renders them)."""
    values: dict[str, Any] = {name: "" for name in TEMPLATE_VARIABLES[request.type]}
    values.update(request.variables)
    values["display_name"] = values.get("display_name") or recipient.display_name or ""
    values["email"] = values.get("email") or recipient.email or ""
    return values
