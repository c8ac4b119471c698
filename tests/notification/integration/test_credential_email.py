"""Auth's credential events become real emails at a real SMTP server: once each, however often
the event is delivered; the live link is not kept once the mail went out."""

from __future__ import annotations

import uuid

import msgspec

from lms_platform.testing.kafka import consume_all
from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.events import (
    RunningNotification,
    invitation,
    password_reset,
    publish_to,
    settled,
    wait_for,
)


async def test_a_password_reset_delivered_three_times_sends_one_email_with_its_link(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    account = str(uuid.uuid4())
    event = password_reset(account, "ada@uni-a.edu", token="tok-123")
    # The same record three times: redeliveries after a crash look exactly like this.
    await publish_to(notification_service, kafka_bootstrap, "credential", event, event, event)

    (mail,) = await smtp_server.wait_for(1, to="ada@uni-a.edu")
    assert mail.subject == "Reset your Uni A password"
    assert "http://lms.test/reset-password?token=tok-123" in mail.text()
    assert 'href="http://lms.test/reset-password?token=tok-123"' in mail.html()
    assert "Ada Lovelace" in mail.text()

    async def all_three_settled() -> bool:
        return await settled(notification_service) >= 3

    await wait_for(all_three_settled)
    await _settle_deliveries(notification_service)
    assert len(smtp_server.messages) == 1
    scalar = notification_service.scalar
    assert await scalar("SELECT count(*) FROM notifications") == 1
    assert await scalar("SELECT state FROM deliveries") == "sent"
    assert await scalar("SELECT attempts FROM deliveries") == 1
    # The token is a live secret: once the mail went out, nothing here holds it.
    assert await scalar("SELECT count(*) FROM notifications WHERE variables IS NOT NULL") == 0
    assert await scalar("SELECT count(*) FROM outbox WHERE payload::text LIKE '%tok-123%'") == 0


async def test_an_invitation_without_a_url_sends_the_token_and_a_sent_event(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    account = str(uuid.uuid4())
    await publish_to(
        notification_service,
        kafka_bootstrap,
        "credential",
        invitation(account, "grace@uni-a.edu", token="invite-xyz"),
    )
    (mail,) = await smtp_server.wait_for(1, to="grace@uni-a.edu")
    assert mail.subject == "You are invited to Uni A"
    assert "invite-xyz" in mail.text()
    assert "grace@uni-a.edu" in mail.text()  # no display name: the greeting uses the address

    topic = f"{notification_service.settings.kafka_topic_prefix}notification"
    (record,) = await consume_all(kafka_bootstrap, topic, expected=1, timeout=20, linger=0.5)
    event = msgspec.json.decode(record.value)
    assert event["type"] == "notification.sent"
    assert event["data"]["account_id"] == account
    assert event["data"]["type"] == "invitation" and event["data"]["channel"] == "email"
    # For analytics: ids only, neither the address nor the token.
    assert b"grace@" not in record.value and b"invite-xyz" not in record.value


async def test_an_event_of_another_college_stays_in_that_college(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    account = str(uuid.uuid4())
    await publish_to(
        notification_service,
        kafka_bootstrap,
        "credential",
        password_reset(account, "bob@uni-b.edu", college="college-b"),
    )
    await smtp_server.wait_for(1, to="bob@uni-b.edu")
    await _settle_deliveries(notification_service)
    assert await notification_service.scalar("SELECT college_id FROM notifications") == "college-b"
    assert await notification_service.scalar("SELECT college_id FROM deliveries") == "college-b"


async def _settle_deliveries(service: RunningNotification) -> None:
    async def none_queued() -> bool:
        return await service.scalar("SELECT count(*) FROM deliveries WHERE state = 'queued'") == 0

    await wait_for(none_queued)
