"""Deadline reminders: one per student x assignment x effective ``due_at``, due
``REMINDER_LEAD`` before it. A changed due date makes a new one and cancels the pending old
one; a student who submitted gets none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class ReminderState(StrEnum):
    PENDING = "pending"
    SENT = "sent"  # the notification was made (its deliveries follow the preferences)
    CANCELLED = "cancelled"  # the due date moved, the student left or submitted, or it was deleted


@dataclass(frozen=True, slots=True, kw_only=True)
class Reminder:
    id: UUID
    college_id: str
    assignment_id: str
    account_id: str
    due_at: datetime
    remind_at: datetime
