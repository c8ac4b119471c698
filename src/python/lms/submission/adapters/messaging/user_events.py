"""The ``user.*`` consumer: students' display names (``application/student_names.py``) for the
folders of an assignment's zip. An event this service cannot read goes to the DLQ at once.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from datetime import datetime
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.submission.application.student_names import ForgetStudentName, KeepStudentName
from lms.submission.config import SubmissionSettings
from lms_platform.kernel.errors import DomainError
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

USER_EVENTS = frozenset({"user.created", "user.updated", "user.deleted"})
USER_DELETED = "user.deleted"


class ProfileData(msgspec.Struct, kw_only=True):
    """The part of the user service's profile snapshot kept here (its ``domain/events.py``)."""

    id: UUID
    display_name: str
    version: int


class ProfileEventData(msgspec.Struct, kw_only=True):
    profile: ProfileData


class UserDeletedData(msgspec.Struct, kw_only=True):
    deleted_at: datetime


async def on_user_event(
    envelope: Envelope,
    keep_name: FromDishka[KeepStudentName],
    forget_name: FromDishka[ForgetStudentName],
) -> None:
    tenant = envelope.required_tenant()
    try:
        user_id = UUID(envelope.subject)
    except ValueError as error:
        raise EnvelopeDecodeError(
            f"{envelope.type} {envelope.id}: subject is not a user id"
        ) from error
    if envelope.type == USER_DELETED:
        deleted = envelope.data_as(UserDeletedData)
        await forget_name(tenant, user_id, deleted.deleted_at)
        return
    profile = envelope.data_as(ProfileEventData).profile
    if profile.id != user_id:
        raise EnvelopeDecodeError(f"{envelope.type} {envelope.id}: profile is not its subject's")
    await keep_name(tenant, user_id, profile.display_name, profile.version)


def subscribe_user_events(broker: KafkaBroker, settings: SubmissionSettings) -> None:
    envelope_subscriber(
        broker,
        topic_name("user", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer="submission.user-events",
        event_types=USER_EVENTS,
        retry=RetryPolicy(
            max_attempts=5,
            backoff=Backoff(initial=0.2, maximum=5.0),
            # What does not decode, or breaks a rule, will on every retry too.
            dead_letter_immediately=(EnvelopeDecodeError, DomainError),
        ),
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_user_event)
