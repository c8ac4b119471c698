"""The consumer that keeps the ``memberships`` table: ``subscribe_memberships(broker, settings)``
in a service's ``subscribe`` (and ``"enrollment"`` in its spec's ``consumes``).

No ``from __future__ import annotations``: FastStream and dishka read the handler's annotations.
A service that must react to a change (chat cutting a dropped student off) writes its own
handler around ``apply_enrollment`` instead.
"""

from dishka_faststream import FromDishka
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.config import ServiceSettings
from lms_platform.membership.events import ENROLLMENT_EVENT_TYPES, EnrollmentEvent
from lms_platform.membership.projection import apply_enrollment
from lms_platform.messaging import (
    Backoff,
    Envelope,
    RetryPolicy,
    envelope_subscriber,
    topic_name,
)

MEMBERSHIP_CONSUMER = "memberships"


def decode_enrollment(envelope: Envelope) -> tuple[str, EnrollmentEvent]:
    """The college and the event; an envelope without a college cannot be placed anywhere."""
    tenant = envelope.required_tenant()
    return tenant, envelope.data_as(EnrollmentEvent)


async def on_enrollment_event(envelope: Envelope, session: FromDishka[AsyncSession]) -> None:
    """Applies the snapshot the event carries; a stale one (replayed, out of order) is a no-op."""
    tenant, event = decode_enrollment(envelope)
    await apply_enrollment(session, tenant, event.enrollment)
    await session.commit()


def subscribe_memberships(broker: KafkaBroker, settings: ServiceSettings) -> None:
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
