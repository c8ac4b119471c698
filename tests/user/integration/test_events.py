"""user.* events reach Kafka through the outbox, with the full envelope, and survive outages."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import msgspec

from lms_platform.messaging import decode_envelope
from lms_platform.testing.kafka import consume_all
from lms_platform.testing.servers import KafkaServer
from tests.user.integration.conftest import COLLEGE, RunningUserService


def _headers(record: object) -> dict[str, str]:
    return {name: value.decode() for name, value in record.headers}  # type: ignore[attr-defined]


async def test_create_update_delete_publish_full_envelopes_in_order(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    created = await user_service.create_user()
    user_id = created["id"]
    admin = user_service.admin()
    await user_service.client.patch(f"/users/{user_id}", json={"bio": "hello"}, headers=admin)
    await user_service.client.delete(f"/users/{user_id}", headers=admin)

    topic = f"{user_service.settings.kafka_topic_prefix}user"
    records = await consume_all(kafka_bootstrap, topic, expected=3, timeout=20, linger=0.5)
    assert len(records) == 3  # nothing duplicated
    envelopes = [decode_envelope(r.value) for r in records]
    assert [e.type for e in envelopes] == ["user.created", "user.updated", "user.deleted"]
    assert {r.key for r in records} == {
        user_id.encode()
    }  # keyed by user id: one partition, in order
    assert len({r.partition for r in records}) == 1

    first = envelopes[0]
    assert first.specversion == "1.0"
    uuid.UUID(first.id)
    assert first.source == "user"
    assert first.subject == user_id
    assert first.tenant == COLLEGE
    assert first.schemaversion == 1
    assert isinstance(first.time, datetime) and first.time.tzinfo is not None
    assert first.traceparent and first.traceparent.startswith("00-")
    data = msgspec.json.decode(first.data)
    assert data["profile"]["email"] == "ada@example.edu"
    assert data["profile"]["id"] == user_id
    assert msgspec.json.decode(envelopes[1].data)["changed_fields"] == ["bio"]
    assert msgspec.json.decode(envelopes[2].data)["email"] == "ada@example.edu"

    headers = _headers(records[0])
    assert headers["ce_type"] == "user.created"
    assert headers["ce_id"] == first.id
    assert "traceparent" in headers
    assert len({e.id for e in envelopes}) == 3


async def test_events_written_while_the_broker_is_down_are_all_delivered(
    user_service: RunningUserService, kafka_server: KafkaServer, kafka_bootstrap: str
) -> None:
    topic = f"{user_service.settings.kafka_topic_prefix}user"
    before = await user_service.create_user(email="before@example.edu")
    await consume_all(kafka_bootstrap, topic, expected=1, timeout=20)

    # The broker becomes unreachable (connections reset and refused) but keeps its log, as a
    # Kafka cluster does through a network partition or a rolling restart.
    kafka_server.disconnect()
    try:
        written = []
        for index in range(10):  # writes keep succeeding: the outbox decouples them from Kafka
            written.append(await user_service.create_user(email=f"outage{index}@example.edu"))
        await asyncio.sleep(1.5)  # the relay tries, fails and backs off
        assert await user_service.scalar("SELECT count(*) FROM outbox") == 10
    finally:
        kafka_server.reconnect()

    await user_service.service.relay.wait_until_empty(timeout=60)
    records = await consume_all(kafka_bootstrap, topic, expected=11, timeout=30, linger=1.0)
    subjects = [decode_envelope(r.value).subject for r in records]
    # One key per user, spread over partitions: compare as sets, and count.
    assert set(subjects) == {before["id"], *(user["id"] for user in written)}
    assert len(subjects) == len(set(subjects)) == 11  # none lost, none twice
