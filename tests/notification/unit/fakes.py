"""Small fakes of the ports the intake and delivery use cases use."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lms.notification.application.ports import (
    DeliveryUnavailable,
    DueDelivery,
    OutgoingMessage,
    PushTarget,
)
from lms.notification.domain.deliveries import Delivery, DeliveryState, Notification, Recipient
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.preferences import Preferences
from lms.notification.domain.templates import MessageTemplate
from lms_platform.kernel.events import DomainEvent


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class Ids:
    def new_id(self) -> UUID:
        return uuid.uuid4()


class Store:
    """Notifications and deliveries in dicts; ``claim_due`` as the SQL one."""

    def __init__(self) -> None:
        self.notifications: dict[UUID, Notification] = {}
        self.deliveries: dict[UUID, Delivery] = {}
        self.sources: set[tuple[UUID, str]] = set()

    async def add(self, notification: Notification, deliveries: Sequence[Delivery]) -> bool:
        key = (notification.source_event_id, notification.recipient.account_id)
        if key in self.sources:
            return False
        self.sources.add(key)
        self.notifications[notification.id] = notification
        self.deliveries.update({d.id: d for d in deliveries})
        return True

    async def claim_due(self, now: datetime, limit: int) -> list[DueDelivery]:
        due = [
            d
            for d in self.deliveries.values()
            if d.state is DeliveryState.QUEUED and d.due_at <= now
        ]
        return [
            DueDelivery(delivery=d, notification=self.notifications[d.notification_id])
            for d in due[:limit]
        ]

    async def save_delivery(self, delivery: Delivery) -> None:
        self.deliveries[delivery.id] = delivery

    async def forget_variables(self, notification_id: UUID) -> None:
        self.notifications[notification_id].variables = {}


class Nothing:
    """Preferences, recipients, push subscriptions and templates with nothing stored."""

    async def get(self, college_id: str, account_id: str) -> Any:
        return Preferences()

    async def has_any(self, college_id: str, account_id: str) -> bool:
        return False

    async def targets(self, college_id: str, account_id: str) -> list[PushTarget]:
        return []

    async def latest(
        self, college_id: str, kind: NotificationType, channel: Channel
    ) -> MessageTemplate | None:
        return None


class NoCollegeDefaults:
    async def get(self, college_id: str) -> dict[NotificationType, frozenset[Channel]]:
        return {}


class NoRecipients:
    async def get(self, college_id: str, account_id: str) -> Recipient | None:
        return None


class UnitOfWork:
    def __init__(self) -> None:
        self.notifications = Store()
        self.preferences = Nothing()
        self.college_defaults = NoCollegeDefaults()
        self.recipients = NoRecipients()
        self.push_subscriptions = Nothing()
        self.templates = Nothing()
        self.events: list[DomainEvent] = []
        self.commits = 0

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    async def commit(self) -> None:
        self.commits += 1


class Renderer:
    async def check(self, content: Any, allowed: frozenset[str]) -> None:
        return None

    async def render(self, content: Any, variables: Mapping[str, Any]) -> Any:
        """The platform's engine in this process (the service uses its worker processes)."""
        from lms.notification.domain.templates import RenderedMessage
        from lms_platform.templating import TemplateEngine

        parts = {part: getattr(content, part) for part in ("subject", "text_body", "html_body")}
        texts = TemplateEngine().render(parts, variables)
        return RenderedMessage(
            subject=" ".join(texts["subject"].split()),
            text_body=texts["text_body"],
            html_body=texts["html_body"],
        )


class Sender:
    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self.down = False

    async def send(self, message: OutgoingMessage) -> str:
        if self.down:
            raise DeliveryUnavailable("connection refused")
        self.sent.append(message)
        return "fake"


class Senders:
    def __init__(self, sender: Sender) -> None:
        self._sender = sender

    def for_channel(self, channel: Channel) -> Sender | None:
        return self._sender if channel is Channel.EMAIL else None


class FixedRetry:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def delay(self, failures: int) -> float:
        return self.seconds


class Metrics:
    def __init__(self) -> None:
        self.outcomes: list[tuple[Channel, str]] = []

    def outcome(self, channel: Channel, outcome: str) -> None:
        self.outcomes.append((channel, outcome))


class Wakeup:
    def __init__(self) -> None:
        self.count = 0

    def delivery_queued(self) -> None:
        self.count += 1
