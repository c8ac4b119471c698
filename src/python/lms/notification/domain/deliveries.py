"""One notification, and its delivery on each channel with the states it goes through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from lms.notification.domain.kinds import Cadence, Channel, NotificationType


class DeliveryState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # it reached the person (in-app: stored in the inbox)
    FAILED = "failed"  # every retry failed, or its window closed
    BOUNCED = "bounced"  # the provider refused the recipient for good
    SUPPRESSED = "suppressed"  # the user's preference said no


FINAL_STATES = frozenset(
    {
        DeliveryState.SENT,
        DeliveryState.DELIVERED,
        DeliveryState.FAILED,
        DeliveryState.BOUNCED,
        DeliveryState.SUPPRESSED,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    account_id: str
    email: str | None
    display_name: str | None = None
    phone: str | None = None
    timezone: str | None = None  # from the user's profile (``user.*`` events)


@dataclass(slots=True, kw_only=True)
class Notification:
    """What happened, for one user, from one source event. ``variables`` feed the templates;
    for critical types they hold a live one-time link and are wiped once delivery ends."""

    id: UUID
    college_id: str
    recipient: Recipient
    type: NotificationType
    source_event_id: UUID
    created_at: datetime
    variables: Mapping[str, Any]
    expires_at: datetime | None = None
    read_at: datetime | None = None
    title: str = ""


@dataclass(slots=True, kw_only=True)
class Delivery:
    id: UUID
    notification_id: UUID
    college_id: str
    account_id: str
    type: NotificationType
    channel: Channel
    cadence: Cadence
    state: DeliveryState
    due_at: datetime
    created_at: datetime
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    provider: str | None = None
    digest_id: UUID | None = None
    history: list[tuple[DeliveryState, datetime]] = field(default_factory=list)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def mark(self, state: DeliveryState, at: datetime, *, provider: str | None = None) -> None:
        self.state = state
        if state in (DeliveryState.SENT, DeliveryState.DELIVERED):
            self.sent_at = at
            self.last_error = None
        if provider is not None:
            self.provider = provider
        self.history.append((state, at))

    def failed_attempt(
        self, error: str, at: datetime, *, retry_in: float, give_up_at: datetime
    ) -> None:
        """One more failure: try again after ``retry_in`` seconds unless that passes
        ``give_up_at``, else the delivery has failed."""
        self.attempts += 1
        self.last_error = error[:500]
        next_try = at + timedelta(seconds=retry_in)
        if next_try > give_up_at:
            self.mark(DeliveryState.FAILED, at)
        else:
            self.due_at = next_try


def give_up_time(created_at: datetime, window: timedelta, expires_at: datetime | None) -> datetime:
    """A delivery is retried for ``window`` after it was due first, and never past the
    expiry of what it carries (a reset link that no longer works)."""
    limit = created_at + window
    return min(limit, expires_at) if expires_at is not None else limit
