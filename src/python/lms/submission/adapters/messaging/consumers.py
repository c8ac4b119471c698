"""Kafka consumers of the submission service: the assignment copies and course late policies
from ``assignment.*``, each course's grading scheme from ``course.*``, memberships from
``enrollment.*`` (the platform's read model), and students' names from ``user.*``
(``user_events.py``).

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.submission.adapters.messaging.user_events import subscribe_user_events
from lms.submission.application.assignment_copies import KeepAssignment, KeepLatePolicy
from lms.submission.application.course_schemes import KeepCourseScheme
from lms.submission.config import SubmissionSettings
from lms.submission.domain.grades import read_scheme
from lms_platform.kernel.errors import DomainError
from lms_platform.membership import subscribe_memberships
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

ASSIGNMENT_EVENTS = frozenset(
    {
        "assignment.created",
        "assignment.updated",
        "assignment.published",
        "assignment.deleted",
        "assignment.override_changed",
        "assignment.late_policy_changed",
    }
)


class AssignmentEventData(msgspec.Struct, kw_only=True):
    assignment: dict[str, Any]


class LatePolicyData(msgspec.Struct, kw_only=True):
    course_id: UUID
    late_policy: dict[str, Any]
    version: int


async def on_assignment_event(
    envelope: Envelope,
    keep_assignment: FromDishka[KeepAssignment],
    keep_policy: FromDishka[KeepLatePolicy],
) -> None:
    """Keeps the newest snapshot; an older or repeated one changes nothing."""
    tenant = envelope.required_tenant()
    try:
        if envelope.type == "assignment.late_policy_changed":
            data = envelope.data_as(LatePolicyData)
            updated = data.late_policy.get("updated_at")
            at = datetime.fromisoformat(updated) if isinstance(updated, str) else envelope.time
            await keep_policy(tenant, data.course_id, data.version, data.late_policy, at)
            return
        snapshot = envelope.data_as(AssignmentEventData).assignment
        await keep_assignment(tenant, snapshot, deleted=envelope.type == "assignment.deleted")
    except (KeyError, ValueError, TypeError) as error:
        # A snapshot this service cannot read will not read on a retry either.
        raise EnvelopeDecodeError(f"{envelope.type} {envelope.id}: {error!r}") from error


# Every course event carries the whole course snapshot; section.* share the topic, unread.
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


class GradingLevelData(msgspec.Struct, kw_only=True):
    name: str
    min_percent: float


# The part of the course snapshot this service needs (docs/services/course.md).
class CourseSchemeSnapshot(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    updated_at: datetime
    grading_scheme: list[GradingLevelData] | None = None  # absent or null: the default


class CourseEventData(msgspec.Struct, kw_only=True):
    course: CourseSchemeSnapshot


async def on_course_event(envelope: Envelope, keep: FromDishka[KeepCourseScheme]) -> None:
    """Keeps the course's scheme at its newest version; an older or repeated event changes
    nothing. A scheme that breaks the rules is dead-lettered (it would not read on a retry)."""
    tenant = envelope.required_tenant()
    course = envelope.data_as(CourseEventData).course
    levels = course.grading_scheme
    scheme = None if levels is None else read_scheme((lv.name, lv.min_percent) for lv in levels)
    await keep(tenant, course.id, course.version, scheme, course.updated_at)


def subscribe(broker: KafkaBroker, settings: SubmissionSettings) -> None:
    """Registers this service's consumers on the runtime's broker."""
    subscribe_memberships(broker, settings)
    subscribe_user_events(broker, settings)
    envelope_subscriber(
        broker,
        topic_name("course", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer="submission.course-events",
        event_types=COURSE_EVENTS,
        retry=RetryPolicy(
            max_attempts=5,
            backoff=Backoff(initial=0.2, maximum=5.0),
            dead_letter_immediately=(EnvelopeDecodeError, DomainError),
        ),
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_course_event)
    envelope_subscriber(
        broker,
        topic_name("assignment", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer="submission.assignment-events",
        event_types=ASSIGNMENT_EVENTS,
        retry=RetryPolicy(
            max_attempts=5,
            backoff=Backoff(initial=0.2, maximum=5.0),
            dead_letter_immediately=(EnvelopeDecodeError, DomainError),
        ),
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_assignment_event)
