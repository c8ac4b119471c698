"""The chat's ``enrollment.*`` consumer: the membership read model, the course's and section's
rooms, and cutting a member off live when they lose access (lms_platform.membership's rule,
with the reaction chat needs; docs/memberships.md, "Reacting to a change"); and the live
channel's consumers (``live_events``).

No ``from __future__ import annotations``: FastStream and dishka read the handler's annotations.
"""

from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker

from lms.chat.adapters.messaging.live_events import subscribe_live
from lms.chat.application.enrollments import ApplyEnrollment
from lms.chat.config import ChatSettings
from lms_platform.membership import MEMBERSHIP_CONSUMER
from lms_platform.membership.consumer import decode_enrollment
from lms_platform.membership.events import ENROLLMENT_EVENT_TYPES
from lms_platform.messaging import Backoff, Envelope, RetryPolicy, envelope_subscriber, topic_name


async def on_enrollment_event(envelope: Envelope, apply: FromDishka[ApplyEnrollment]) -> None:
    tenant, event = decode_enrollment(envelope)
    snapshot = event.enrollment
    await apply(tenant, snapshot.user_id, snapshot.course_id, snapshot.section_id, snapshot)


def subscribe(broker: KafkaBroker, settings: ChatSettings) -> None:
    envelope_subscriber(
        broker,
        topic_name("enrollment", settings.kafka_topic_prefix),
        group_id=settings.consumer_group_id,
        service=settings.service_name,
        consumer=f"{settings.service_name}.{MEMBERSHIP_CONSUMER}",
        event_types=ENROLLMENT_EVENT_TYPES,
        retry=RetryPolicy(max_attempts=5, backoff=Backoff(initial=0.2, maximum=5.0)),
        session_timeout_ms=settings.consumer_session_timeout_ms,
        heartbeat_interval_ms=max(settings.consumer_session_timeout_ms // 3, 100),
    )(on_enrollment_event)
    subscribe_live(broker, settings)
