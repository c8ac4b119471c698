"""Kafka consumers of the assignment service: memberships from ``enrollment.*`` (the platform's
read model, ``lms_platform.membership``) and the known courses from ``course.*``.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from datetime import datetime
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.assignment.application.course_events import ApplyCourseSnapshot
from lms.assignment.config import AssignmentSettings
from lms.assignment.domain.courses import KnownCourse
from lms_platform.kernel.errors import InvalidInput
from lms_platform.membership import subscribe_memberships
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

COURSE_EVENTS = frozenset(
    {
        "course.created",
        "course.updated",
        "course.published",
        "course.concluded",
        "course.archived",
        "course.deleted",
    }
)


# The part of the course service's payload this service needs (docs/services/course.md).
class CourseSnapshotData(msgspec.Struct, kw_only=True):
    id: UUID
    status: str
    version: int
    updated_at: datetime


class CourseEventData(msgspec.Struct, kw_only=True):
    course: CourseSnapshotData


async def on_course_event(envelope: Envelope, apply: FromDishka[ApplyCourseSnapshot]) -> None:
    """Keeps the known courses; an archived or deleted course locks its assignments."""
    tenant = envelope.required_tenant()
    course = envelope.data_as(CourseEventData).course
    await apply(
        KnownCourse(
            tenant_id=tenant,
            course_id=course.id,
            status=course.status,
            version=course.version,
            updated_at=course.updated_at,
            deleted=envelope.type == "course.deleted",
        )
    )


def subscribe(broker: KafkaBroker, settings: AssignmentSettings) -> None:
    """Registers this service's consumers on the runtime's broker."""
    subscribe_memberships(broker, settings)
    envelope_subscriber(
        broker,
        topic_name("course", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer="assignment.course-events",
        # section.* travel on the same topic; they are acknowledged untouched ("ignored").
        event_types=COURSE_EVENTS,
        retry=RetryPolicy(
            max_attempts=5,
            backoff=Backoff(initial=0.2, maximum=5.0),
            dead_letter_immediately=(EnvelopeDecodeError, InvalidInput),
        ),
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_course_event)
