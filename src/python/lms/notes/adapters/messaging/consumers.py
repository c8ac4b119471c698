"""Kafka consumers of the notes service: the memberships read model from ``enrollment.*`` and
the users read model (and the departure policy) from ``user.*``. Each message's dedup record,
in ``processed_messages``, commits in the transaction of its effects.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from datetime import datetime
from typing import Optional
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.adapters.persistence.read_models import apply_enrollment, apply_user
from lms.notes.adapters.persistence.unit_of_work import NotesMongoUnitOfWork
from lms.notes.application.departures import ForgetUser
from lms.notes.config import NotesSettings
from lms_platform.membership.consumer import decode_enrollment
from lms_platform.membership.events import ENROLLMENT_EVENT_TYPES
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)
from lms_platform.persistence.mongo import mongo_dedup

USER_EVENTS = frozenset({"user.created", "user.updated", "user.deleted"})


class ProfileVersion(msgspec.Struct, kw_only=True):
    id: UUID
    version: int


class ProfileEventData(msgspec.Struct, kw_only=True):
    profile: ProfileVersion


class UserDeletedData(msgspec.Struct, kw_only=True):
    deleted_at: Optional[datetime] = None  # noqa: UP007 - FastStream reads this at runtime


async def on_enrollment_event(
    envelope: Envelope,
    uow: FromDishka[NotesMongoUnitOfWork],
    database: FromDishka[AsyncIOMotorDatabase],
) -> None:
    """A stale snapshot (replayed, out of order) changes nothing; a dropped student's section
    shares stop showing at once, since access is read from this model on every request."""
    tenant, event = decode_enrollment(envelope)
    await apply_enrollment(database, await uow.session(), tenant, event.enrollment)
    await uow.commit()


async def on_user_event(
    envelope: Envelope,
    uow: FromDishka[NotesMongoUnitOfWork],
    database: FromDishka[AsyncIOMotorDatabase],
    forget_user: FromDishka[ForgetUser],
) -> None:
    tenant = envelope.required_tenant()
    session = await uow.session()
    if envelope.type == "user.deleted":
        try:
            user_id = UUID(envelope.subject)
        except ValueError as exc:
            raise EnvelopeDecodeError(f"user.deleted {envelope.id}: subject is no user id") from exc
        envelope.data_as(UserDeletedData)  # a malformed payload is dead-lettered, not guessed at
        await apply_user(database, session, tenant, user_id, 0, deleted=True)
        await forget_user(tenant, user_id)  # commits, with the dedup record
        return
    profile = envelope.data_as(ProfileEventData).profile
    await apply_user(database, session, tenant, profile.id, profile.version)
    await uow.commit()


def subscribe(broker: KafkaBroker, settings: NotesSettings) -> None:
    """Registers this service's consumers on the runtime's broker."""
    for topic, consumer, types, handler in (
        ("enrollment", "memberships", ENROLLMENT_EVENT_TYPES, on_enrollment_event),
        ("user", "users", USER_EVENTS, on_user_event),
    ):
        envelope_subscriber(
            broker,
            topic_name(topic, settings.kafka_topic_prefix),
            group_id=settings.consumer_group_id,
            service=settings.service_name,
            consumer=f"{settings.service_name}.{consumer}",
            event_types=types,
            retry=RetryPolicy(max_attempts=5, backoff=Backoff(initial=0.2, maximum=5.0)),
            dedup=mongo_dedup(NotesMongoUnitOfWork, AsyncIOMotorDatabase),
            session_timeout_ms=settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
        )(handler)
