"""Events this service publishes (topic ``notification``): ids only, no personal data, for
analytics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

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
