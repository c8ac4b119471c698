"""What a notification can be about and how it can travel."""

from __future__ import annotations

from enum import StrEnum


class NotificationType(StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    INVITATION = "invitation"
    WELCOME = "welcome"
    ASSIGNMENT_PUBLISHED = "assignment_published"
    DEADLINE_REMINDER = "deadline_reminder"
    GRADE_POSTED = "grade_posted"
    SUBMISSION_RECEIPT = "submission_receipt"
    CHAT_MENTION = "chat_mention"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    IN_APP = "in_app"


class Cadence(StrEnum):
    """When a user wants one type on one channel."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


# Credential mail carries a one-time link the person is waiting for: it always goes, at once.
CRITICAL: frozenset[NotificationType] = frozenset(
    {
        NotificationType.PASSWORD_RESET,
        NotificationType.EMAIL_VERIFICATION,
        NotificationType.INVITATION,
    }
)

# The platform's default channel set per type; a college may narrow or widen it.
DEFAULT_CHANNELS: dict[NotificationType, frozenset[Channel]] = {
    NotificationType.PASSWORD_RESET: frozenset({Channel.EMAIL}),
    NotificationType.EMAIL_VERIFICATION: frozenset({Channel.EMAIL}),
    NotificationType.INVITATION: frozenset({Channel.EMAIL}),
    NotificationType.WELCOME: frozenset({Channel.EMAIL, Channel.IN_APP}),
    NotificationType.ASSIGNMENT_PUBLISHED: frozenset({Channel.EMAIL, Channel.IN_APP}),
    NotificationType.DEADLINE_REMINDER: frozenset({Channel.EMAIL, Channel.PUSH, Channel.IN_APP}),
    NotificationType.GRADE_POSTED: frozenset({Channel.EMAIL, Channel.IN_APP}),
    NotificationType.SUBMISSION_RECEIPT: frozenset({Channel.EMAIL, Channel.IN_APP}),
    NotificationType.CHAT_MENTION: frozenset({Channel.PUSH, Channel.IN_APP}),
}


def is_critical(kind: NotificationType) -> bool:
    return kind in CRITICAL
