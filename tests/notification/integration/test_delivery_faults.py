"""Issue 15, must show (faults): the SMTP server is down for 30 s while 50 notifications are
due, and each is delivered exactly once after it returns; a refused recipient is a bounce,
not retried."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter

import msgspec

from lms_platform.testing.kafka import consume_all
from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.events import (
    RunningNotification,
    password_reset,
    publish_to,
    wait_for,
)

OUTAGE_SECONDS = 30.0


async def test_fifty_mails_due_during_a_30s_outage_all_arrive_once_after_it(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    smtp_server.stop()
    down_since = time.monotonic()
    addresses = [f"student{n}@uni-a.edu" for n in range(50)]
    events = [password_reset(str(uuid.uuid4()), address) for address in addresses]
    await publish_to(notification_service, kafka_bootstrap, "credential", *events)
    scalar = notification_service.scalar

    async def all_tried_and_waiting() -> bool:
        return (
            await scalar("SELECT count(*) FROM deliveries WHERE state = 'queued' AND attempts >= 1")
            == 50
        )

    await wait_for(all_tried_and_waiting, timeout=OUTAGE_SECONDS)
    assert smtp_server.messages == []
    await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_since)))
    assert await scalar("SELECT count(*) FROM deliveries WHERE state <> 'queued'") == 0
    smtp_server.start()

    await smtp_server.wait_for(50, timeout=30)
    await asyncio.sleep(2.0)  # anything sent twice would arrive by now
    received = Counter(mail.recipients[0] for mail in smtp_server.messages)
    assert sorted(received) == sorted(addresses)
    assert set(received.values()) == {1}
    assert await scalar("SELECT count(*) FROM deliveries WHERE state = 'sent'") == 50
    assert await scalar("SELECT min(attempts) FROM deliveries") >= 2


async def test_a_refused_recipient_is_a_bounce_and_is_not_retried(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    smtp_server.refused_recipients.add("gone@uni-a.edu")
    account = str(uuid.uuid4())
    await publish_to(
        notification_service,
        kafka_bootstrap,
        "credential",
        password_reset(account, "gone@uni-a.edu"),
    )

    async def bounced() -> bool:
        return await notification_service.scalar("SELECT state FROM deliveries") == "bounced"

    await wait_for(bounced)
    assert await notification_service.scalar("SELECT attempts FROM deliveries") == 1
    assert "550" in await notification_service.scalar("SELECT last_error FROM deliveries")
    topic = f"{notification_service.settings.kafka_topic_prefix}notification"
    (record,) = await consume_all(kafka_bootstrap, topic, expected=1, timeout=20, linger=1.0)
    event = msgspec.json.decode(record.value)
    assert event["type"] == "notification.failed" and event["data"]["state"] == "bounced"
    assert smtp_server.messages == []
