"""Issue 8, defect 6: the user service follows an account through its whole life.

``account.updated``, ``account.deactivated``, ``account.reactivated`` and ``account.deleted``
reach the profile, through the real broker and consumer, once each, and an older event that
arrives after a newer one does not undo it. Events are ordered by auth's ``account_version``
when they carry one, else by their envelope ``time``.
"""

from __future__ import annotations

import uuid
from typing import Any

from lms_platform.messaging import decode_envelope
from lms_platform.testing.kafka import consume_all
from tests.user.integration.accounts import (
    at,
    consumed,
    deactivated,
    deleted,
    publish_for,
    reactivated,
    registered,
    updated,
    wait_until_consumed,
)
from tests.user.integration.conftest import RunningUserService


async def _profile(user_service: RunningUserService, account_id: uuid.UUID) -> dict[str, Any]:
    response = await user_service.client.get(f"/users/{account_id}", headers=user_service.admin())
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_account_updated_changes_the_profile_email_name_and_roles(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    account_id = uuid.uuid4()
    await publish_for(
        user_service, kafka_bootstrap, registered(account_id, "ada@example.edu", time=at(0))
    )
    await wait_until_consumed(user_service, 1)
    assert (await _profile(user_service, account_id))["email"] == "ada@example.edu"  # cached now

    await publish_for(
        user_service,
        kafka_bootstrap,
        updated(
            account_id, {"email": "ada.king@example.edu", "display_name": "Ada King"}, time=at(1)
        ),
        updated(account_id, {"roles": ["instructor", "student"]}, time=at(2)),
    )
    await wait_until_consumed(user_service, 3)

    profile = await _profile(user_service, account_id)
    assert (profile["email"], profile["display_name"], profile["roles"]) == (
        "ada.king@example.edu",
        "Ada King",
        ["instructor", "student"],
    )
    assert profile["version"] == 3


async def test_account_deactivated_and_reactivated_change_the_profile_status(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    account_id = uuid.uuid4()
    await publish_for(
        user_service,
        kafka_bootstrap,
        registered(account_id, "grace@example.edu", time=at(0)),
        deactivated(account_id, time=at(1)),
    )
    await wait_until_consumed(user_service, 2)
    assert (await _profile(user_service, account_id))["status"] == "deactivated"

    await publish_for(user_service, kafka_bootstrap, reactivated(account_id, time=at(2)))
    await wait_until_consumed(user_service, 3)
    assert (await _profile(user_service, account_id))["status"] == "active"


async def test_account_deleted_removes_the_profile_and_a_reinvite_with_the_same_email_gets_one(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    old_account, new_account = uuid.uuid4(), uuid.uuid4()
    await publish_for(
        user_service, kafka_bootstrap, registered(old_account, "kj@example.edu", time=at(0))
    )
    await wait_until_consumed(user_service, 1)
    await _profile(user_service, old_account)  # in the cache now

    # Auth deletes the account, then invites the same address again: a new account id, which
    # hashes to another partition, so the two may be consumed in either order.
    await publish_for(
        user_service,
        kafka_bootstrap,
        deleted(old_account, time=at(1)),
        registered(new_account, "kj@example.edu", time=at(2)),
    )
    await wait_until_consumed(user_service, 3)

    gone = await user_service.client.get(f"/users/{old_account}", headers=user_service.admin())
    assert gone.status_code == 404, gone.text
    profile = await _profile(user_service, new_account)
    assert (profile["email"], profile["status"]) == ("kj@example.edu", "active")
    assert await consumed(user_service, dead_lettered=False) == 3  # nothing went to the DLQ
    assert (
        await user_service.scalar("SELECT status FROM profiles WHERE id = $1", old_account)
        == "deleted"
    )


async def test_an_older_account_event_arriving_after_a_newer_one_does_not_undo_it(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    account_id = uuid.uuid4()
    # As a replay from the dead-letter topic delivers them: the t=1 events come last.
    await publish_for(
        user_service,
        kafka_bootstrap,
        registered(account_id, "first@example.edu", time=at(0)),
        updated(account_id, {"email": "newest@example.edu"}, time=at(2)),
        reactivated(account_id, time=at(4)),
        updated(account_id, {"email": "older@example.edu", "display_name": "Older"}, time=at(1)),
        deactivated(account_id, time=at(3)),
    )
    await wait_until_consumed(user_service, 5)

    profile = await _profile(user_service, account_id)
    assert profile["email"] == "newest@example.edu"  # the t=2 email stands
    assert profile["status"] == "active"  # the t=3 deactivation is older than the reactivation
    # Fields are ordered one by one: nothing newer than t=1 had set the name.
    assert profile["display_name"] == "Older"


async def test_account_versions_order_the_events_when_auth_clocks_disagree(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    """Two auth processes whose clocks differ: version 3 is stamped before version 2. The
    versions, which auth's row lock orders, decide; the times alone would keep version 2."""
    account_id = uuid.uuid4()
    await publish_for(
        user_service,
        kafka_bootstrap,
        registered(account_id, "first@example.edu", time=at(0), account_version=1),
        updated(account_id, {"email": "v3@example.edu"}, time=at(1), version=3),
        updated(
            account_id, {"email": "v2@example.edu", "display_name": "V2"}, time=at(5), version=2
        ),
        deactivated(account_id, time=at(2), version=5),
        reactivated(account_id, time=at(9), version=4),
    )
    await wait_until_consumed(user_service, 5)

    profile = await _profile(user_service, account_id)
    assert profile["email"] == "v3@example.edu"
    assert profile["display_name"] == "V2"  # field by field: nothing newer than v2 set the name
    assert profile["status"] == "deactivated"  # v5 stands against the later-stamped v4


async def test_duplicate_account_events_are_applied_once(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    account_id = uuid.uuid4()
    rename = updated(account_id, {"display_name": "Renamed"}, time=at(1))
    pause = deactivated(account_id, time=at(2))
    await publish_for(
        user_service,
        kafka_bootstrap,
        registered(account_id, "dup@example.edu", time=at(0)),
        rename,
        rename,
        pause,
        pause,
    )
    await wait_until_consumed(user_service, 5)

    profile = await _profile(user_service, account_id)
    assert (profile["display_name"], profile["status"], profile["version"]) == (
        "Renamed",
        "deactivated",
        3,
    )
    topic = f"{user_service.settings.kafka_topic_prefix}user"
    records = await consume_all(kafka_bootstrap, topic, expected=3, timeout=20, linger=1.0)
    types = [decode_envelope(record.value).type for record in records]
    assert types == ["user.created", "user.updated", "user.updated"]
