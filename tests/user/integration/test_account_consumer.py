"""account.registered creates a profile: once, even when delivered twice; poison goes to the DLQ."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import msgspec
from aiokafka import AIOKafkaProducer

from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.testing.kafka import consume_all
from tests.user.integration.conftest import COLLEGE, RunningUserService


def account_registered(account_id: uuid.UUID, email: str, **overrides: object) -> bytes:
    envelope = new_envelope(
        "account.registered",
        "auth",
        str(account_id),
        COLLEGE,
        {
            "account_id": str(account_id),
            "email": email,
            "roles": ["student"],
            "display_name": "New Student",
            **overrides,
        },
    )
    return encode_envelope(envelope)


async def _publish(bootstrap: str, topic: str, *values: bytes, key: bytes = b"k") -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key, headers=[("source", b"test")])
    finally:
        await producer.stop()


async def _wait_for(predicate: Callable[[], Awaitable[bool]], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_account_registered_creates_the_profile_once(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    settings = user_service.settings
    account_id = uuid.uuid4()
    message = account_registered(account_id, "New.Student@Example.edu")
    await asyncio.wait_for(user_service.service.consumers.started.wait(), 30)
    # The same envelope twice: a redelivery after a crash looks exactly like this.
    await _publish(
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

    await _wait_for(profile_exists)
    profile = (
        await user_service.client.get(f"/users/{account_id}", headers=user_service.admin())
    ).json()
    assert profile["email"] == "new.student@example.edu"
    assert profile["roles"] == ["student"]

    async def both_handled() -> bool:
        return await user_service.scalar("SELECT count(*) FROM processed_messages") == 1 and (
            await _consumed(user_service) >= 2
        )

    await _wait_for(both_handled)
    assert await user_service.scalar("SELECT count(*) FROM profiles") == 1
    created_events = await consume_all(
        kafka_bootstrap, f"{settings.kafka_topic_prefix}user", expected=1, timeout=20, linger=1.0
    )
    assert len(created_events) == 1  # the duplicate delivery published nothing either


async def _consumed(user_service: RunningUserService) -> int:
    text = (await user_service.client.get("/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("kafka_messages_consumed_total{")
            and 'service="user"' in line
            and ('outcome="processed"' in line or 'outcome="duplicate"' in line)
            and user_service.settings.kafka_topic_prefix in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


async def test_poison_messages_land_on_the_dlq_with_error_headers(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    settings = user_service.settings
    topic = f"{settings.kafka_topic_prefix}account"
    await asyncio.wait_for(user_service.service.consumers.started.wait(), 30)
    not_json = b"\xff not an envelope"
    bad_email = account_registered(uuid.uuid4(), "not-an-email")
    await _publish(kafka_bootstrap, topic, not_json, bad_email)

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
