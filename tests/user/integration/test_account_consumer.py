"""account.registered creates a profile: once, even when delivered twice; poison goes to the DLQ."""

from __future__ import annotations

import asyncio
import uuid

import msgspec

from lms_platform.testing.kafka import consume_all
from tests.user.integration.accounts import consumed, publish, registered, wait_for
from tests.user.integration.conftest import RunningUserService


async def test_account_registered_creates_the_profile_once(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    settings = user_service.settings
    account_id = uuid.uuid4()
    message = registered(account_id, "New.Student@Example.edu")
    await asyncio.wait_for(user_service.service.consumers.started.wait(), 30)
    # The same envelope twice: a redelivery after a crash looks exactly like this.
    await publish(
        kafka_bootstrap,
        f"{settings.kafka_topic_prefix}account",
        message,
        message,
        key=str(account_id).encode(),
    )

    async def profile_exists() -> bool:
        response = await user_service.client.get(
            f"/users/{account_id}", headers=user_service.admin()
        )
        return response.status_code == 200

    await wait_for(profile_exists)
    profile = (
        await user_service.client.get(f"/users/{account_id}", headers=user_service.admin())
    ).json()
    assert profile["email"] == "new.student@example.edu"
    assert profile["roles"] == ["student"]

    async def both_handled() -> bool:
        return await user_service.scalar("SELECT count(*) FROM processed_messages") == 1 and (
            await consumed(user_service) >= 2
        )

    await wait_for(both_handled)
    assert await user_service.scalar("SELECT count(*) FROM profiles") == 1
    created_events = await consume_all(
        kafka_bootstrap, f"{settings.kafka_topic_prefix}user", expected=1, timeout=20, linger=1.0
    )
    assert len(created_events) == 1  # the duplicate delivery published nothing either


async def test_poison_messages_land_on_the_dlq_with_error_headers(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    settings = user_service.settings
    topic = f"{settings.kafka_topic_prefix}account"
    await asyncio.wait_for(user_service.service.consumers.started.wait(), 30)
    not_json = b"\xff not an envelope"
    bad_email = registered(uuid.uuid4(), "not-an-email")
    await publish(kafka_bootstrap, topic, not_json, bad_email)

    dead = await consume_all(kafka_bootstrap, f"{topic}.dlq", expected=2, timeout=30)
    assert [record.value for record in dead] == [not_json, bad_email]  # byte for byte
    positions = []
    for record in dead:
        headers = {name: value.decode() for name, value in record.headers}
        assert headers["x-dlq-original-topic"] == topic
        positions.append((headers["x-dlq-original-partition"], headers["x-dlq-original-offset"]))
        assert headers["x-dlq-error"]
        assert headers["x-dlq-error-type"]
        assert headers["x-dlq-consumer-group"] == settings.consumer_group
        assert headers["source"] == "test"  # the original headers travel along
    # Both were published with one key: one partition, consecutive offsets.
    assert positions[0][0] == positions[1][0]
    assert [int(offset) for _, offset in positions] == [0, 1]
    assert "InvalidInput" in {name: v.decode() for name, v in dead[1].headers}["x-dlq-error-type"]
    assert await user_service.scalar("SELECT count(*) FROM profiles") == 0
    assert msgspec.json.decode(dead[1].value)["type"] == "account.registered"
