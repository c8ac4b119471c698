"""Intake and delivery with fakes: replays create nothing, a failure is retried with the
schedule until the window closes and then is reported, without personal data."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from lms.notification.application.delivery import DeliverDueNotifications, DeliveryPolicy
from lms.notification.application.intake import AcceptNotification, NotificationRequest
from lms.notification.domain.deliveries import Delivery, DeliveryState, Recipient
from lms.notification.domain.events import NotificationFailed, NotificationSent
from lms.notification.domain.kinds import Channel, NotificationType
from tests.notification.unit.fakes import (
    Clock,
    FixedRetry,
    Ids,
    Metrics,
    Renderer,
    Sender,
    Senders,
    UnitOfWork,
    Wakeup,
)

NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)


def _state(delivery: Delivery) -> DeliveryState:
    return delivery.state  # read again: mypy keeps the narrowing of an earlier assert


def _request(event: uuid.UUID | None = None) -> NotificationRequest:
    return NotificationRequest(
        source_event_id=event or uuid.uuid4(),
        college_id="college-a",
        type=NotificationType.PASSWORD_RESET,
        recipient=Recipient(account_id="acc-1", email="ada@uni-a.edu", display_name="Ada"),
        variables={"reset_url": "https://x/t", "college_name": "Uni A", "expires_at": "soon"},
        expires_at=NOW + timedelta(hours=1),
    )


def _world(
    window: timedelta = timedelta(minutes=5),
) -> tuple[UnitOfWork, Clock, Sender, AcceptNotification, DeliverDueNotifications]:
    uow, clock, sender, wakeup = UnitOfWork(), Clock(NOW), Sender(), Wakeup()
    accept = AcceptNotification(uow, clock, Ids(), Renderer(), wakeup)  # type: ignore[arg-type]
    deliver = DeliverDueNotifications(
        uow, clock, Ids(), Renderer(), Senders(sender), FixedRetry(60),  # type: ignore[arg-type]
        DeliveryPolicy(batch_size=10, retry_window=window), Metrics(),
    )  # fmt: skip
    return uow, clock, sender, accept, deliver


async def test_a_replayed_event_creates_nothing() -> None:
    uow, _, _, accept, _ = _world()
    event = uuid.uuid4()
    assert await accept(_request(event)) is True
    assert await accept(_request(event)) is False
    assert len(uow.notifications.notifications) == 1 and uow.commits == 1
    (delivery,) = uow.notifications.deliveries.values()
    assert delivery.channel is Channel.EMAIL and delivery.state is DeliveryState.QUEUED


async def test_a_failure_is_retried_on_schedule_then_sent() -> None:
    uow, clock, sender, accept, deliver = _world()
    await accept(_request())
    sender.down = True
    assert await deliver() is True
    (delivery,) = uow.notifications.deliveries.values()
    assert delivery.state is DeliveryState.QUEUED and delivery.attempts == 1
    assert delivery.due_at == NOW + timedelta(seconds=60)
    assert await deliver() is False  # not due yet
    sender.down = False
    clock.advance(60)
    assert await deliver() is True
    assert _state(delivery) is DeliveryState.SENT and delivery.attempts == 2
    assert [type(e) for e in uow.events] == [NotificationSent]
    assert "https://x/t" in sender.sent[0].text_body
    assert uow.notifications.notifications[delivery.notification_id].variables == {}


async def test_the_window_closes_and_the_failure_is_reported_with_ids_only() -> None:
    uow, clock, sender, accept, deliver = _world(window=timedelta(seconds=90))
    await accept(_request())
    sender.down = True
    await deliver()
    clock.advance(60)
    await deliver()  # the next try would be at 120 s, past the 90 s window
    (delivery,) = uow.notifications.deliveries.values()
    assert delivery.state is DeliveryState.FAILED and delivery.attempts == 2
    (event,) = uow.events
    assert isinstance(event, NotificationFailed) and event.state == "failed"
    assert "ada@" not in str(event.payload()) and "https://x/t" not in str(event.payload())
