"""Kafka consumers: auth's ``credential`` events become critical emails, ``account.*`` keeps
the contact details and sends the welcome, ``assignment.*`` keeps the copy of assignments
(titles, due dates and overrides for the deadline reminders) and ``assignment.published``
goes to the active students of its sections (from the ``enrollment`` read model,
``lms_platform.membership``);
``grade.posted`` and ``submission.*`` go to the submission's student (``submission_events``);
``chat.mentioned`` goes to the mentioned members (``chat_events``).

Each delivery attempt records its event id in ``processed_messages`` in the transaction that
writes the notification, so a replayed event creates nothing; the notifications table is
unique by (source event, account) as well. Sending happens later, in the delivery worker.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.notification.adapters.messaging.chat_events import CHAT_EVENTS, on_chat_event
from lms.notification.adapters.messaging.submission_events import (
    GRADE_EVENTS,
    SUBMISSION_EVENTS,
    on_grade_event,
    on_submission_event,
)
from lms.notification.application.assignment_copies import KeepAssignmentCopy
from lms.notification.application.fanout import AudienceEvent, NotifyAudience
from lms.notification.application.intake import AcceptNotification, NotificationRequest
from lms.notification.application.recipients import RememberRecipient
from lms.notification.config import NotificationSettings
from lms.notification.domain.assignments import AssignmentCopy
from lms.notification.domain.deliveries import Recipient
from lms.notification.domain.kinds import NotificationType
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import DateOverride, OverrideTarget
from lms_platform.membership import subscribe_memberships
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

PASSWORD_RESET_REQUESTED = "account.password_reset_requested"
EMAIL_VERIFICATION_REQUESTED = "account.email_verification_requested"
ACCOUNT_INVITED = "account.invited"
CREDENTIAL_EVENTS = frozenset(
    {PASSWORD_RESET_REQUESTED, EMAIL_VERIFICATION_REQUESTED, ACCOUNT_INVITED}
)
ACCOUNT_REGISTERED = "account.registered"
ACCOUNT_UPDATED = "account.updated"
ACCOUNT_EVENTS = frozenset({ACCOUNT_REGISTERED, ACCOUNT_UPDATED})
ASSIGNMENT_PUBLISHED = "assignment.published"
ASSIGNMENT_DELETED = "assignment.deleted"
# Each carries the whole assignment after the change, with its version.
ASSIGNMENT_EVENTS = frozenset(
    {
        "assignment.created",
        ASSIGNMENT_PUBLISHED,
        "assignment.updated",
        ASSIGNMENT_DELETED,
        "assignment.override_changed",
    }
)
USER_EVENTS = frozenset({"user.created", "user.updated"})


class CredentialData(msgspec.Struct, kw_only=True):
    """The three credential events; each carries its own token and link fields."""

    account_id: str
    email: str
    display_name: str | None = None
    college_slug: str = ""
    college_name: str = ""
    expires_at: datetime
    reset_token: str | None = None
    reset_url: str | None = None
    verification_token: str | None = None
    verification_url: str | None = None
    invitation_token: str | None = None
    invitation_url: str | None = None
    roles: list[str] = []


class OverrideSnapshot(msgspec.Struct, kw_only=True):
    target: Literal["section", "student"]
    target_id: UUID
    dates: dict[str, datetime | None] = {}


class AssignmentSnapshot(msgspec.Struct, kw_only=True):
    """The fields used here of the assignment service's snapshot (its ``events.py``)."""

    id: str
    course_id: str
    section_ids: list[str] = []
    title: str
    status: str = "published"
    due_at: datetime | None = None
    overrides: list[OverrideSnapshot] = []
    deleted_at: datetime | None = None
    version: int = 0

    def to_copy(self, college_id: str, *, deleted: bool) -> AssignmentCopy:
        overrides = tuple(
            DateOverride(
                target=OverrideTarget(o.target), target_id=o.target_id,
                due_at=o.dates["due_at"], fields=frozenset({"due_at"}),
            )
            for o in self.overrides
            if "due_at" in o.dates  # the others leave the due date as it is
        )  # fmt: skip
        return AssignmentCopy(
            college_id=college_id, id=self.id, course_id=self.course_id, title=self.title,
            section_ids=tuple(self.section_ids), published=self.status == "published",
            deleted=deleted or self.deleted_at is not None, due_at=self.due_at,
            overrides=overrides, version=self.version,
        )  # fmt: skip


class AssignmentData(msgspec.Struct, kw_only=True):
    assignment: AssignmentSnapshot


class ProfileSnapshot(msgspec.Struct, kw_only=True):
    id: str
    email: str | None = None
    display_name: str | None = None
    timezone: str | None = None


class ProfileData(msgspec.Struct, kw_only=True):
    profile: ProfileSnapshot


class RegisteredData(msgspec.Struct, kw_only=True):
    account_id: str
    email: str
    display_name: str | None = None


class Changes(msgspec.Struct, kw_only=True):
    email: str | None = None
    display_name: str | None = None


class UpdatedData(msgspec.Struct, kw_only=True):
    account_id: str
    changes: Changes


_LINKS: dict[str, tuple[NotificationType, str, str]] = {
    PASSWORD_RESET_REQUESTED: (NotificationType.PASSWORD_RESET, "reset_url", "reset_token"),
    EMAIL_VERIFICATION_REQUESTED: (
        NotificationType.EMAIL_VERIFICATION,
        "verification_url",
        "verification_token",
    ),
    ACCOUNT_INVITED: (NotificationType.INVITATION, "invitation_url", "invitation_token"),
}


def credential_request(envelope: Envelope) -> NotificationRequest:
    kind, url_field, token_field = _LINKS[envelope.type]
    data = envelope.data_as(CredentialData)
    link = getattr(data, url_field) or getattr(data, token_field)
    if not link:
        raise InvalidInput(f"{envelope.type} carries neither {url_field} nor {token_field}")
    variables: dict[str, Any] = {
        "college_name": data.college_name,
        "college_slug": data.college_slug,
        "display_name": data.display_name or "",
        "email": data.email,
        "expires_at": data.expires_at.isoformat(),
        url_field: link,
    }
    if kind is NotificationType.INVITATION:
        variables["roles"] = list(data.roles)
    return NotificationRequest(
        source_event_id=UUID(envelope.id),
        college_id=envelope.required_tenant(),
        type=kind,
        recipient=Recipient(
            account_id=data.account_id, email=data.email, display_name=data.display_name
        ),
        variables=variables,
        expires_at=data.expires_at,
    )


async def on_credential_event(envelope: Envelope, accept: FromDishka[AcceptNotification]) -> None:
    await accept(credential_request(envelope))


async def on_account_event(
    envelope: Envelope,
    accept: FromDishka[AcceptNotification],
    remember: FromDishka[RememberRecipient],
    settings: FromDishka[NotificationSettings],
) -> None:
    college = envelope.required_tenant()
    if envelope.type == ACCOUNT_REGISTERED:
        data = envelope.data_as(RegisteredData)
        await remember(
            college, data.account_id, email=data.email, display_name=data.display_name,
            commit=False,
        )  # fmt: skip
        await accept(
            NotificationRequest(
                source_event_id=UUID(envelope.id),
                college_id=college,
                type=NotificationType.WELCOME,
                recipient=Recipient(
                    account_id=data.account_id, email=data.email, display_name=data.display_name
                ),
                variables={"login_url": settings.login_url},
            )
        )
    elif envelope.type == ACCOUNT_UPDATED:
        updated = envelope.data_as(UpdatedData)
        await remember(
            college,
            updated.account_id,
            email=updated.changes.email,
            display_name=updated.changes.display_name,
        )


async def on_user_event(envelope: Envelope, remember: FromDishka[RememberRecipient]) -> None:
    """The profile's time zone (quiet hours and digests follow it) and its name."""
    profile = envelope.data_as(ProfileData).profile
    await remember(
        envelope.required_tenant(),
        profile.id,
        display_name=profile.display_name,
        timezone=profile.timezone,
    )


async def on_assignment_event(
    envelope: Envelope,
    notify: FromDishka[NotifyAudience],
    keep: FromDishka[KeepAssignmentCopy],
    settings: FromDishka[NotificationSettings],
) -> None:
    """Every ``assignment.*`` event updates the copy (the highest version wins; the deadline
    reminders follow it); ``assignment.published`` also goes to the students, in the same
    transaction."""
    college = envelope.required_tenant()
    assignment = envelope.data_as(AssignmentData).assignment
    try:
        copy = assignment.to_copy(college, deleted=envelope.type == ASSIGNMENT_DELETED)
    except ValueError as error:  # a date override the kernel refuses will not read on a retry
        raise EnvelopeDecodeError(f"{envelope.type} {envelope.id}: {error}") from error
    publishing = envelope.type == ASSIGNMENT_PUBLISHED
    await keep(copy, commit=not publishing)
    if not publishing:
        return
    url = settings.assignment_url_template.replace("{assignment_id}", assignment.id)
    await notify(
        AudienceEvent(
            source_event_id=UUID(envelope.id),
            college_id=college,
            type=NotificationType.ASSIGNMENT_PUBLISHED,
            course_id=assignment.course_id,
            section_ids=assignment.section_ids,
            variables={
                "title": assignment.title,
                "assignment_title": assignment.title,
                "due_at": assignment.due_at.isoformat() if assignment.due_at else "",
                "url": url,
            },
        )
    )


# (topic, consumer, event types, handler): one envelope consumer each, in this order.
CONSUMERS: tuple[tuple[str, str, frozenset[str], Callable[..., Awaitable[None]]], ...] = (
    ("credential", "notification.credential-events", CREDENTIAL_EVENTS, on_credential_event),
    ("account", "notification.account-events", ACCOUNT_EVENTS, on_account_event),
    ("assignment", "notification.assignment-events", ASSIGNMENT_EVENTS, on_assignment_event),
    ("grade", "notification.grade-events", GRADE_EVENTS, on_grade_event),
    ("submission", "notification.submission-events", SUBMISSION_EVENTS, on_submission_event),
    ("user", "notification.user-events", USER_EVENTS, on_user_event),
    ("chat", "notification.chat-events", CHAT_EVENTS, on_chat_event),
)


def subscribe(broker: KafkaBroker, settings: NotificationSettings) -> None:
    policy = RetryPolicy(
        max_attempts=5,
        backoff=Backoff(initial=0.2, maximum=5.0),
        dead_letter_immediately=(EnvelopeDecodeError, InvalidInput),
    )
    for topic, consumer, event_types, handler in CONSUMERS:
        envelope_subscriber(
            broker,
            topic_name(topic, settings.kafka_topic_prefix),
            group_id=settings.consumer_group_id,
            service=settings.service_name,
            consumer=consumer,
            event_types=event_types,
            retry=policy,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
        )(handler)
    subscribe_memberships(broker, settings)
