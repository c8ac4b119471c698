"""Kafka consumers of the course service: the users read model from ``user.*``.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from datetime import datetime
from typing import Optional
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.course.application.user_directory import ApplyUserSnapshot, ForgetUser, UserSnapshot
from lms.course.config import CourseSettings
from lms_platform.kernel.errors import DomainError
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

USER_EVENTS = {"user.created", "user.updated", "user.deleted"}


class ProfileData(msgspec.Struct, kw_only=True):
    """The part of the user service's profile snapshot this service keeps."""

    id: UUID
    email: str
    display_name: str
    status: str
    version: int


class ProfileEventData(msgspec.Struct, kw_only=True):
    profile: ProfileData


class UserDeletedData(msgspec.Struct, kw_only=True):
    deleted_at: Optional[datetime] = None  # noqa: UP007 - FastStream reads this at runtime


async def on_user_event(
    envelope: Envelope,
    apply_snapshot: FromDishka[ApplyUserSnapshot],
    forget_user: FromDishka[ForgetUser],
) -> None:
    tenant = envelope.required_tenant()
    if envelope.type == "user.deleted":
        try:
            user_id = UUID(envelope.subject)
        except ValueError as exc:
            raise EnvelopeDecodeError(
                f"user.deleted {envelope.id}: subject is not a user id"
            ) from exc
        data = envelope.data_as(UserDeletedData)
        await forget_user(user_id, tenant, data.deleted_at)
        return
    profile = envelope.data_as(ProfileEventData).profile
    await apply_snapshot(
        UserSnapshot(
            id=profile.id,
            tenant_id=tenant,
            email=profile.email,
            display_name=profile.display_name,
            status=profile.status,
            version=profile.version,
        )
    )


def subscribe(broker: KafkaBroker, settings: CourseSettings) -> None:
    """Registers this service's consumers on the runtime's broker."""
    policy = RetryPolicy(
        max_attempts=5,
        backoff=Backoff(initial=0.2, maximum=5.0),
        # A domain rule the event breaks will break it on every retry too.
        dead_letter_immediately=(EnvelopeDecodeError, DomainError),
    )
    envelope_subscriber(
        broker,
        topic_name("user", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer="course.user-events",
        event_types=USER_EVENTS,
        retry=policy,
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_user_event)
