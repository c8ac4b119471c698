"""account.registered leaves through the outbox with exactly the shape the user service reads."""

from __future__ import annotations

import uuid

import msgspec

from lms_platform.messaging import decode_envelope
from lms_platform.testing.kafka import consume_all
from tests.auth.integration.conftest import RunningAuthService


async def test_account_registered_envelope_on_the_account_topic(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    college = await auth_service.create_college()
    account = await auth_service.create_account(
        college["id"], "Ada@Uni-A.edu", ("instructor", "student")
    )
    topic = f"{auth_service.settings.kafka_topic_prefix}account"
    # Two records: the bootstrap super admin's and Ada's.
    records = await consume_all(kafka_bootstrap, topic, expected=2, timeout=20, linger=0.5)
    assert len(records) == 2
    by_subject = {decode_envelope(r.value).subject: r for r in records}
    record = by_subject[account["id"]]
    assert record.key == account["id"].encode()
    envelope = decode_envelope(record.value)
    assert (envelope.type, envelope.source, envelope.tenant) == (
        "account.registered",
        "auth",
        college["id"],
    )
    uuid.UUID(envelope.id)
    assert msgspec.json.decode(envelope.data) == {
        "account_id": account["id"],
        "email": "ada@uni-a.edu",
        "roles": ["instructor", "student"],
        "display_name": "Ada",
    }
    await auth_service.service.relay.wait_until_empty(timeout=10)
    assert await auth_service.scalar("SELECT count(*) FROM outbox") == 0  # relayed, then deleted
