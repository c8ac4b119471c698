"""The notification service's tables, declared on advanced-alchemy's registry (which the
migrations environment reads). Account and college ids are the token's strings."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.base import UUIDBase
from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

ID = 64


class RecipientRecord(UUIDBase):
    """Contact details kept from auth's ``account.*`` events."""

    __tablename__ = "recipients"
    __table_args__ = (UniqueConstraint("college_id", "account_id"),)

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PreferenceRecord(UUIDBase):
    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("college_id", "account_id"),)

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    timezone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quiet_start: Mapped[str | None] = mapped_column(String(5), nullable=True)  # HH:MM
    quiet_end: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # [[type, channel, cadence], ...]: only what the user chose
    choices: Mapped[list[list[str]]] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PushSubscriptionRecord(UUIDBase):
    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_account", "college_id", "account_id"),)

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    endpoint: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    p256dh: Mapped[str] = mapped_column(String(200), nullable=False)
    auth: Mapped[str] = mapped_column(String(100), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class NotificationRecord(UUIDBase):
    __tablename__ = "notifications"
    __table_args__ = (
        # Idempotent by the source event: a replay inserts nothing.
        UniqueConstraint("source_event_id", "account_id"),
        Index("ix_notifications_inbox", "college_id", "account_id", "created_at"),
    )

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    source_event_id: Mapped[UUID] = mapped_column(nullable=False)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Null once no delivery will render it again (critical types: the live link goes).
    variables: Mapped[dict[str, Any] | None] = mapped_column(JSONB, nullable=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeliveryRecord(UUIDBase):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index(
            "ix_deliveries_due",
            "due_at",
            postgresql_where=text("state = 'queued'"),
        ),
        Index("ix_deliveries_college", "college_id", "created_at"),
    )

    notification_id: Mapped[UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    cadence: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    provider: Mapped[str | None] = mapped_column(String(64), nullable=True)
    digest_id: Mapped[UUID | None] = mapped_column(nullable=True)
    # [[state, iso time], ...]: every state the delivery went through
    history: Mapped[list[list[str]]] = mapped_column(JSONB, nullable=False)


class TemplateRecord(UUIDBase):
    """Immutable versions: a new one is a new row."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("college_id", "type", "channel", "version"),)

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    subject: Mapped[str] = mapped_column(Text, nullable=False)
    text_body: Mapped[str] = mapped_column(Text, nullable=False)
    html_body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class CollegeDefaultRecord(UUIDBase):
    """A college's default channel set for one type (unlisted types: the platform's)."""

    __tablename__ = "college_channel_defaults"
    __table_args__ = (UniqueConstraint("college_id", "type"),)

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    type: Mapped[str] = mapped_column(String(32), nullable=False)
    channels: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    updated_by: Mapped[str] = mapped_column(String(ID), nullable=False)


class TrackedAssignmentRecord(UUIDBase):
    """The copy of an assignment kept from ``assignment.*`` events (the highest version)."""

    __tablename__ = "tracked_assignments"
    __table_args__ = (
        UniqueConstraint("college_id", "assignment_id"),
        Index(
            "ix_tracked_assignments_reminder_window",
            "earliest_due_at",
            postgresql_where=text("published AND NOT deleted"),
        ),
    )

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    assignment_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    course_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    section_ids: Mapped[list[str]] = mapped_column(JSONB, nullable=False)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False)
    deleted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # [{"target", "target_id", "due_at"?}, ...]: the overrides that set a due date
    overrides: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # The earliest and latest due date any student has (the assignment's and its overrides'),
    # and when its reminders were last planned: the reminder worker plans again, for late
    # enrolments, those whose reminder window is open.
    earliest_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    latest_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    replanned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SubmittedRecord(UUIDBase):
    """A student submitted an assignment (``submission.created`` / ``.resubmitted``)."""

    __tablename__ = "submitted_assignments"
    __table_args__ = (UniqueConstraint("college_id", "assignment_id", "account_id"),)

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    assignment_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)


class ReminderRecord(UUIDBase):
    """One deadline reminder per student x assignment x effective due date."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("college_id", "assignment_id", "account_id", "due_at"),
        Index("ix_reminders_due", "remind_at", postgresql_where=text("state = 'pending'")),
    )

    college_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    assignment_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    account_id: Mapped[str] = mapped_column(String(ID), nullable=False)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    remind_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
