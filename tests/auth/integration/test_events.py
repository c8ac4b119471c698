"""account.registered leaves through the outbox with exactly the shape the user service reads."""

from __future__ import annotations

import itertools
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
        "account_version": 1,
        "email": "ada@uni-a.edu",
        "roles": ["instructor", "student"],
        "display_name": "Ada",
    }
    await auth_service.service.relay.wait_until_empty(timeout=10)
    assert await auth_service.scalar("SELECT count(*) FROM outbox") == 0  # relayed, then deleted


async def test_every_account_event_carries_the_version_after_its_change(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    """The user service orders one account's events by ``account_version``: it must rise with
    every change, in commit order, and be the account's stored version."""
    college = await auth_service.create_college()
    account = await auth_service.create_account(college["id"], "ada@uni-a.edu")
    path = f"/accounts/{account['id']}"
    client, root = auth_service.client, auth_service.root
    renamed = await client.patch(path, json={"display_name": "Ada L"}, headers=root)
    assert renamed.status_code == 200, renamed.text
    deactivated = await client.post(f"{path}/deactivate", headers=root)
    assert deactivated.status_code in (200, 204), deactivated.text
    reactivated = await client.post(f"{path}/reactivate", headers=root)
    assert reactivated.status_code in (200, 204), reactivated.text
    stored = await auth_service.scalar(
        "SELECT version FROM accounts WHERE id = $1", uuid.UUID(account["id"])
    )
    deleted = await client.delete(path, headers=root)
    assert deleted.status_code == 204, deleted.text

    topic = f"{auth_service.settings.kafka_topic_prefix}account"
    records = await consume_all(kafka_bootstrap, topic, expected=6, timeout=20, linger=0.5)
    ada = [decode_envelope(r.value) for r in records if r.key == account["id"].encode()]
    assert [e.type for e in ada] == [
        "account.registered",
        "account.updated",
        "account.deactivated",
        "account.reactivated",
        "account.deleted",
    ]
    versions = [msgspec.json.decode(e.data)["account_version"] for e in ada]
    changes = versions[:4]
    assert changes[0] == 1 and all(a < b for a, b in itertools.pairwise(changes)), versions
    assert versions[4] == versions[3] == stored  # a delete is final: no version of its own
