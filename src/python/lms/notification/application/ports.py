"""Ports: what the notification use cases need from the outside world. Each use case depends
only on the ports it uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lms.notification.domain.assignments import AssignmentCopy
from lms.notification.domain.deliveries import (
    Delivery,
    DeliveryState,
    Notification,
    Recipient,
)
from lms.notification.domain.kinds import Channel, NotificationType
from lms.notification.domain.preferences import Preferences
from lms.notification.domain.push import PushSubscription
from lms.notification.domain.reminders import Reminder, ReminderState
from lms.notification.domain.templates import MessageTemplate, RenderedMessage, TemplateContent
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.pagination import Page, PageRequest

# --- channels -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class PushTarget:
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutgoingMessage:
    delivery_id: UUID  # also the provider-side idempotency key (email: the Message-ID)
    to: str  # an address, a phone number, or (push) the account id
    subject: str
    text_body: str
    html_body: str
    push_targets: tuple[PushTarget, ...] = ()


class DeliveryRefused(Exception):
    """The provider refused the recipient for good (a bounce): no retry helps."""


class DeliveryUnavailable(Exception):
    """The provider could not take the message now (down, throttled): retry later."""


class ChannelSender(Protocol):
    """One channel's provider (or its fail-over pair). Returns the provider's name."""

    async def send(self, message: OutgoingMessage) -> str: ...


class ChannelSenders(Protocol):
    def for_channel(self, channel: Channel) -> ChannelSender | None: ...


# --- templates ----------------------------------------------------------------------------


class TemplateRenderer(Protocol):
    """The sandboxed engine: no access beyond the variables, bounded time and output, run off
    the event loop. Raises ``InvalidTemplate``."""

    async def check(self, content: TemplateContent, allowed: frozenset[str]) -> None: ...

    async def render(
        self, content: TemplateContent, variables: Mapping[str, Any]
    ) -> RenderedMessage: ...


class TemplateStore(Protocol):
    async def latest(
        self, college_id: str, kind: NotificationType, channel: Channel
    ) -> MessageTemplate | None: ...

    async def version(
        self, college_id: str, kind: NotificationType, channel: Channel, version: int
    ) -> MessageTemplate | None: ...

    async def versions(
        self, college_id: str, kind: NotificationType, channel: Channel, page: PageRequest
    ) -> Page[MessageTemplate]: ...

    async def has(self, template_id: UUID) -> bool: ...

    async def add(self, template: MessageTemplate) -> None: ...


class RetrySchedule(Protocol):
    """Seconds to wait after the n-th consecutive failure (backoff with jitter)."""

    def delay(self, failures: int) -> float: ...


class DeliveryMetrics(Protocol):
    """Counts each delivery outcome (sent, delivered, failed, bounced, suppressed, retried)."""

    def outcome(self, channel: Channel, outcome: str) -> None: ...


class DeliveryWakeup(Protocol):
    def delivery_queued(self) -> None: ...


# --- stores -------------------------------------------------------------------------------


class PreferenceStore(Protocol):
    async def get(self, college_id: str, account_id: str) -> Preferences: ...

    async def get_many(self, college_id: str, account_ids: Sequence[str]) -> dict[str, Preferences]:
        """Only the accounts that chose something; the others have the defaults."""
        ...

    async def put(self, college_id: str, account_id: str, preferences: Preferences) -> None: ...


class CollegeDefaultsStore(Protocol):
    async def get(self, college_id: str) -> dict[NotificationType, frozenset[Channel]]:
        """Only the types the college set; the others follow the platform's defaults."""
        ...

    async def put(
        self,
        college_id: str,
        defaults: Mapping[NotificationType, frozenset[Channel]],
        updated_by: str,
    ) -> None:
        """Replaces the college's defaults (an unlisted type goes back to the platform's)."""
        ...


class AssignmentStore(Protocol):
    async def get(self, college_id: str, assignment_id: str) -> AssignmentCopy | None: ...

    async def keep(self, copy: AssignmentCopy) -> bool:
        """Stores ``copy`` unless one of the same or a higher version is here; True if stored."""
        ...

    async def in_reminder_window(
        self, now: datetime, horizon: datetime, planned_before: datetime, limit: int
    ) -> list[AssignmentCopy]:
        """Published assignments some student's due date of which is between ``now`` and
        ``horizon`` (their reminder window is open or about to) and whose reminders were last
        planned before ``planned_before``; locked for this transaction (others skip them)."""
        ...

    async def planned(self, college_id: str, assignment_id: str, at: datetime) -> None:
        """Its reminders were planned ``at``."""
        ...

    async def record_submission(self, college_id: str, assignment_id: str, student_id: str) -> None:
        """The student submitted this assignment (idempotent)."""
        ...

    async def submitted(
        self, college_id: str, assignment_id: str, student_ids: Sequence[str]
    ) -> set[str]: ...


class ReminderStore(Protocol):
    async def schedule(
        self, college_id: str, assignment_id: str, due: Mapping[str, datetime], now: datetime
    ) -> None:
        """Makes the assignment's pending reminders exactly ``due`` (student -> effective
        due_at): one per student x assignment x due_at (an existing one, sent or pending, is
        kept; a cancelled one is pending again), and the other pending ones cancelled."""
        ...

    async def cancel(self, college_id: str, assignment_id: str, account_id: str) -> None:
        """Cancels the student's pending reminders of the assignment."""
        ...

    async def claim_due(self, now: datetime, limit: int) -> list[Reminder]:
        """Pending reminders due by ``now``, locked for this transaction (others skip them)."""
        ...

    async def finish(self, reminder_id: UUID, state: ReminderState, at: datetime) -> None: ...


class RecipientStore(Protocol):
    async def get(self, college_id: str, account_id: str) -> Recipient | None: ...

    async def get_many(
        self, college_id: str, account_ids: Sequence[str]
    ) -> dict[str, Recipient]: ...

    async def upsert(self, college_id: str, recipient: Recipient) -> None: ...


class PushSubscriptionStore(Protocol):
    async def has_any(self, college_id: str, account_id: str) -> bool: ...

    async def targets(self, college_id: str, account_id: str) -> list[PushTarget]: ...

    async def save(self, subscription: PushSubscription) -> PushSubscription:
        """Upsert by endpoint: a device that registers again (or for another account of the
        college) keeps one row."""
        ...

    async def remove(self, college_id: str, account_id: str, subscription_id: UUID) -> bool: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DueDelivery:
    delivery: Delivery
    notification: Notification


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFilter:
    college_id: str
    account_id: str | None = None
    type: NotificationType | None = None
    channel: Channel | None = None
    state: DeliveryState | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InboxItem:
    notification: Notification


class NotificationStore(Protocol):
    async def add(self, notification: Notification, deliveries: Sequence[Delivery]) -> bool:
        """False (and nothing written) when this source event already made a notification
        for this recipient."""
        ...

    async def add_many(self, items: Sequence[tuple[Notification, Sequence[Delivery]]]) -> set[UUID]:
        """The same for many in one statement each; returns the ids of the new ones (a
        replayed source event's are left out, with their deliveries)."""
        ...

    async def claim_due(self, now: datetime, limit: int) -> list[DueDelivery]:
        """Queued deliveries due by ``now``, locked for this transaction (others skip them)."""
        ...

    async def save_delivery(self, delivery: Delivery) -> None: ...

    async def forget_variables(self, notification_id: UUID) -> None:
        """Wipes a notification's template variables (live links) once nothing will send it."""
        ...

    async def inbox(
        self, college_id: str, account_id: str, unread_only: bool, page: PageRequest
    ) -> Page[Notification]: ...

    async def mark_read(
        self, college_id: str, account_id: str, notification_id: UUID, at: datetime
    ) -> bool: ...

    async def deliveries(self, where: DeliveryFilter, page: PageRequest) -> Page[Delivery]: ...


class UnitOfWork(Protocol):
    async def commit(self) -> None: ...

    def record(self, event: DomainEvent) -> None: ...


class IntakeUnitOfWork(UnitOfWork, Protocol):
    notifications: NotificationStore
    preferences: PreferenceStore
    college_defaults: CollegeDefaultsStore
    recipients: RecipientStore
    push_subscriptions: PushSubscriptionStore
    assignments: AssignmentStore
    reminders: ReminderStore


class DeliveryUnitOfWork(UnitOfWork, Protocol):
    notifications: NotificationStore
    recipients: RecipientStore
    templates: TemplateStore
    push_subscriptions: PushSubscriptionStore


class Audience(Protocol):
    """Who a course event is for, from this service's copy of the memberships."""

    async def active_students(
        self, college_id: str, course_id: str, section_ids: Sequence[str]
    ) -> list[str]:
        """Account ids of the active students of ``section_ids`` (all of the course's
        sections when empty)."""
        ...

    async def student_sections(
        self, college_id: str, course_id: str, section_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """The same students, each with every section of the course they are an active
        student of (the sections an override may name)."""
        ...

    async def sections_of(self, college_id: str, course_id: str, account_id: str) -> list[str]:
        """The sections of the course ``account_id`` is an active student of."""
        ...
