"""Events this service publishes (topic ``notification``): the delivery outcomes, with ids
only and no personal data, for analytics; and each new inbox notification, for the chat
service's live channel to the user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from lms_platform.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class _DeliveryEvent(DomainEvent):
    topic: ClassVar[str] = "notification"

    notification_id: str
    account_id: str
    type: str
    channel: str
    attempts: int
    at: str

    @property
    def partition_key(self) -> str:
        return self.account_id


@dataclass(frozen=True, kw_only=True)
class NotificationSent(_DeliveryEvent):
    event_type: ClassVar[str] = "notification.sent"


@dataclass(frozen=True, kw_only=True)
class NotificationFailed(_DeliveryEvent):
    event_type: ClassVar[str] = "notification.failed"

    state: str  # failed or bounced


@dataclass(frozen=True, kw_only=True)
class InAppNotificationCreated(DomainEvent):
    """An inbox notification was created: the chat service pushes it on the user's live
    channel. ``notification``: ``id``, ``user_id``, ``kind``, ``subject``, ``body_text`` (as
    rendered for the inbox) and ``created_at``."""

    topic: ClassVar[str] = "notification"
    event_type: ClassVar[str] = "notification.in_app_created"

    notification: dict[str, Any]

    @property
    def partition_key(self) -> str:
        return str(self.notification["user_id"])
