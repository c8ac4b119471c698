"""Each new inbox notification goes out through the outbox on topic ``notification`` as
``notification.in_app_created`` (the chat service pushes it on the user's live channel): the
platform's envelope (``source`` notification, ``tenant`` the college, ``subject`` the
notification id, keyed by the user), and ``data.notification`` with ``id``, ``user_id``,
``kind``, ``subject``, ``body_text`` and ``created_at`` as rendered for the inbox. Read with a
plain aiokafka consumer. A replayed event publishes nothing more; an in-app delivery the user
switched off publishes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from lms_platform.testing.kafka import consume_all
from tests.notification.integration.conftest import COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    publish_to,
    registered,
    settled,
    submission_event,
    wait_for,
)

IN_APP_CREATED = "notification.in_app_created"


async def _in_app_events(service: RunningNotification, bootstrap: str, expected: int) -> list:
    topic = f"{service.settings.kafka_topic_prefix}notification"
    records = await consume_all(bootstrap, topic, expected=expected, timeout=30, linger=1.0)
    return [r for r in records if msgspec.json.decode(r.value)["type"] == IN_APP_CREATED]


async def test_an_inbox_notification_is_published_once_with_the_platforms_envelope(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    service = notification_service
    student = str(uuid.uuid4())
    welcome = registered(student, "ada@uni-a.edu")
    await publish_to(service, kafka_bootstrap, "account", welcome, welcome)  # and a replay

    # The welcome's email is sent too: notification.sent and one in_app_created.
    records = await _in_app_events(service, kafka_bootstrap, expected=2)
    (record,) = records
    inbox = await service.client.get("/me/notifications", headers=service.bearer(student, COLLEGE))
    (item,) = inbox.json()["items"]

    assert record.key == student.encode()  # one user's events stay in order
    event = msgspec.json.decode(record.value)
    assert event["specversion"] == "1.0" and event["source"] == "notification"
    assert event["tenant"] == COLLEGE
    assert event["subject"] == item["id"]
    uuid.UUID(event["id"])
    datetime.fromisoformat(event["time"])
    notification = event["data"]["notification"]
    assert set(notification) == {"id", "user_id", "kind", "subject", "body_text", "created_at"}
    assert notification["id"] == item["id"] and notification["user_id"] == student
    assert notification["kind"] == "welcome"
    assert notification["subject"] == item["title"] == "Welcome"
    assert notification["body_text"].startswith("Hello New Student,")
    assert "Log in at http://lms.test/login" in notification["body_text"]
    assert datetime.fromisoformat(notification["created_at"]) == datetime.fromisoformat(
        item["created_at"]
    )


async def test_an_in_app_delivery_switched_off_publishes_nothing(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    service = notification_service
    student = str(uuid.uuid4())
    off = {"preferences": [{"type": "grade_posted", "channel": "in_app", "cadence": "off"},
                           {"type": "grade_posted", "channel": "email", "cadence": "off"}]}  # fmt: skip
    put = await service.client.put(
        "/me/notification-preferences", json=off, headers=service.bearer(student, COLLEGE)
    )
    assert put.status_code == 200, put.text
    before = await settled(service)
    await publish_to(
        service, kafka_bootstrap, "grade", submission_event("grade.posted", student, score=1.0)
    )

    async def made() -> bool:
        return await settled(service) > before

    await wait_for(made)
    assert await service.scalar("SELECT count(*) FROM notifications") == 1
    assert await service.scalar("SELECT count(*) FROM outbox") == 0
