"""The live channel's consumers: ``assignment.published`` (topic ``assignment``), ``grade.posted``
(topic ``grade``) and ``notification.in_app_created`` (topic ``notification``) become ``live``
events on the sockets of the people concerned (``lms.chat.domain.live``).

Each is an envelope consumer of the platform: idempotent by the event's id
(``processed_messages``, committed after the push, so a replay pushes nothing), retried with
backoff, then dead-lettered to ``<topic>.dlq``; a payload that does not decode (or an envelope
with no college) is dead-lettered at once. Only the fields used here are decoded; producers may
add others.

No ``from __future__ import annotations``: FastStream and dishka read the handler's annotations.
"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.chat.application.live import PushLive
from lms.chat.config import ChatSettings
from lms.chat.domain.live import AssignmentPublished, GradePosted, InAppNotification, LiveNotice
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

ASSIGNMENT_PUBLISHED = "assignment.published"
GRADE_POSTED = "grade.posted"
NOTIFICATION_IN_APP_CREATED = "notification.in_app_created"
LIVE_CONSUMERS = {  # topic -> (consumer name, event type)
    "assignment": ("live-assignments", ASSIGNMENT_PUBLISHED),
    "grade": ("live-grades", GRADE_POSTED),
    "notification": ("live-notifications", NOTIFICATION_IN_APP_CREATED),
}
NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]


class AssignmentSnapshot(msgspec.Struct, kw_only=True):
    """The fields used here of the assignment service's ``assignment_snapshot``."""

    id: UUID
    course_id: UUID
    section_ids: list[UUID] = []
    title: str
    unlock_at: datetime | None = None
    due_at: datetime | None = None
    announce_before_unlock: bool = False


class AssignmentData(msgspec.Struct, kw_only=True):
    assignment: AssignmentSnapshot


class SubmissionSnapshot(msgspec.Struct, kw_only=True):
    """The fields used here of the submission service's ``submission_snapshot``."""

    id: UUID
    assignment_id: UUID
    course_id: UUID
    student_id: UUID
    posted_at: datetime | None = None


class GradeData(msgspec.Struct, kw_only=True):
    submission: SubmissionSnapshot


class NotificationSnapshot(msgspec.Struct, kw_only=True):
    id: UUID
    user_id: NonEmpty
    kind: str
    subject: str
    body_text: str
    created_at: datetime


class NotificationData(msgspec.Struct, kw_only=True):
    notification: NotificationSnapshot


def _notice(envelope: Envelope, body: Any) -> LiveNotice:
    return LiveNotice(event_id=envelope.id, occurred_at=envelope.time, body=body)


async def on_assignment_published(envelope: Envelope, push: FromDishka[PushLive]) -> None:
    tenant = envelope.required_tenant()
    snapshot = envelope.data_as(AssignmentData).assignment
    body = AssignmentPublished(
        assignment_id=snapshot.id, course_id=snapshot.course_id,
        section_ids=tuple(snapshot.section_ids), title=snapshot.title,
        unlock_at=snapshot.unlock_at, due_at=snapshot.due_at,
    )  # fmt: skip
    await push.assignment_published(
        tenant, _notice(envelope, body), announced_early=snapshot.announce_before_unlock
    )


async def on_grade_posted(envelope: Envelope, push: FromDishka[PushLive]) -> None:
    tenant = envelope.required_tenant()
    submission = envelope.data_as(GradeData).submission
    body = GradePosted(
        submission_id=submission.id, assignment_id=submission.assignment_id,
        course_id=submission.course_id, posted_at=submission.posted_at,
    )  # fmt: skip
    await push.to_person(tenant, submission.student_id, _notice(envelope, body))


async def on_notification_created(envelope: Envelope, push: FromDishka[PushLive]) -> None:
    tenant = envelope.required_tenant()
    n = envelope.data_as(NotificationData).notification
    body = InAppNotification(
        id=n.id, user_id=n.user_id, kind=n.kind, subject=n.subject, body_text=n.body_text,
        created_at=n.created_at,
    )  # fmt: skip
    await push.to_person(tenant, n.user_id, _notice(envelope, body))


_HANDLERS = {
    ASSIGNMENT_PUBLISHED: on_assignment_published,
    GRADE_POSTED: on_grade_posted,
    NOTIFICATION_IN_APP_CREATED: on_notification_created,
}


def subscribe_live(broker: KafkaBroker, settings: ChatSettings) -> None:
    policy = RetryPolicy(
        max_attempts=5,
        backoff=Backoff(initial=0.2, maximum=5.0),
        dead_letter_immediately=(EnvelopeDecodeError,),
    )
    for topic, (consumer, event_type) in LIVE_CONSUMERS.items():
        envelope_subscriber(
            broker,
            topic_name(topic, settings.kafka_topic_prefix),
            group_id=settings.consumer_group_id,
            service=settings.service_name,
            consumer=f"{settings.service_name}.{consumer}",
            event_types=frozenset({event_type}),
            retry=policy,
            session_timeout_ms=settings.consumer_session_timeout_ms,
            heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
        )(_HANDLERS[event_type])
