"""Rows to domain objects and back."""

from __future__ import annotations

from datetime import datetime, time

from lms.notification.adapters.persistence.models import (
    DeliveryRecord,
    NotificationRecord,
    PreferenceRecord,
)
from lms.notification.domain.deliveries import (
    Delivery,
    DeliveryState,
    Notification,
    Recipient,
)
from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.preferences import Preferences, QuietHours


def preferences_from(row: PreferenceRecord | None) -> Preferences:
    if row is None:
        return Preferences()
    quiet = None
    if row.quiet_start and row.quiet_end:
        quiet = QuietHours(time.fromisoformat(row.quiet_start), time.fromisoformat(row.quiet_end))
    choices = {
        (NotificationType(kind), Channel(channel)): Cadence(cadence)
        for kind, channel, cadence in row.choices
    }
    return Preferences(timezone=row.timezone, quiet_hours=quiet, choices=choices)


def notification_from(row: NotificationRecord) -> Notification:
    return Notification(
        id=row.id,
        college_id=row.college_id,
        recipient=Recipient(
            account_id=row.account_id,
            email=row.email,
            display_name=row.display_name,
            phone=row.phone,
        ),
        type=NotificationType(row.type),
        source_event_id=row.source_event_id,
        created_at=row.created_at,
        variables=dict(row.variables or {}),
        expires_at=row.expires_at,
        read_at=row.read_at,
        title=row.title,
    )


def notification_row(notification: Notification) -> NotificationRecord:
    recipient = notification.recipient
    return NotificationRecord(
        id=notification.id,
        college_id=notification.college_id,
        account_id=recipient.account_id,
        type=notification.type.value,
        source_event_id=notification.source_event_id,
        email=recipient.email,
        display_name=recipient.display_name,
        phone=recipient.phone,
        variables=dict(notification.variables),
        title=notification.title[:200],
        expires_at=notification.expires_at,
        created_at=notification.created_at,
        read_at=notification.read_at,
    )


def delivery_from(row: DeliveryRecord) -> Delivery:
    return Delivery(
        id=row.id,
        notification_id=row.notification_id,
        college_id=row.college_id,
        account_id=row.account_id,
        type=NotificationType(row.type),
        channel=Channel(row.channel),
        cadence=Cadence(row.cadence),
        state=DeliveryState(row.state),
        due_at=row.due_at,
        created_at=row.created_at,
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
        provider=row.provider,
        digest_id=row.digest_id,
        history=[(DeliveryState(s), datetime.fromisoformat(at)) for s, at in row.history],
    )


def copy_delivery(delivery: Delivery, row: DeliveryRecord) -> DeliveryRecord:
    row.notification_id = delivery.notification_id
    row.college_id = delivery.college_id
    row.account_id = delivery.account_id
    row.type = delivery.type.value
    row.channel = delivery.channel.value
    row.cadence = delivery.cadence.value
    row.state = delivery.state.value
    row.due_at = delivery.due_at
    row.created_at = delivery.created_at
    row.attempts = delivery.attempts
    row.last_error = delivery.last_error
    row.sent_at = delivery.sent_at
    row.provider = delivery.provider
    row.digest_id = delivery.digest_id
    row.history = [[state.value, at.isoformat()] for state, at in delivery.history]
    return row
