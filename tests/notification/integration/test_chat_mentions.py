"""``chat.mentioned`` (topic ``chat``, as chat's outbox writes it) gives each mentioned member
one ``chat_mention`` notification through the normal intake: into the inbox, with
``notification.in_app_created``, titled with the sender's name and linking to the room; the
sender and a second delivery of the event get nothing; a malformed event goes to the DLQ."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.testing.kafka import consume_all
from tests.notification.integration.conftest import COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    publish_to,
    registered,
    settled,
    wait_for,
)


def mentioned(data: dict[str, Any], *, college: str | None = COLLEGE) -> bytes:
    room = str(data.get("room_id", uuid.uuid4()))
    return encode_envelope(new_envelope("chat.mentioned", "chat", room, college, data))


def _data(room: str, sender: str, *users: str) -> dict[str, Any]:
    return {
        "room_id": room, "message_id": str(uuid.uuid4()), "seq": 7, "sender_id": sender,
        "mentioned_user_ids": list(users), "body": None,
    }  # fmt: skip


async def _inbox(service: RunningNotification, account: str) -> list[dict[str, Any]]:
    response = await service.client.get(
        "/me/notifications", headers=service.bearer(account, COLLEGE, roles=("student",))
    )
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["type"] != "welcome"]


async def test_each_mentioned_member_gets_one_inbox_notification_even_from_a_replay(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    service = notification_service
    sender, ada, bob = (str(uuid.uuid4()) for _ in range(3))
    room = str(uuid.uuid4())
    await publish_to(service, kafka_bootstrap, "account", registered(sender, "s@uni-a.edu"))
    await wait_for(lambda: _known(service))
    event = mentioned(_data(room, sender, ada, bob, sender))
    before = await settled(service)

    await publish_to(service, kafka_bootstrap, "chat", event, event)  # delivered twice

    await wait_for(lambda: _at_least(service, before + 2))
    for user in (ada, bob):
        (item,) = await _inbox(service, user)
        assert item["type"] == "chat_mention" and item["read"] is False
        assert item["title"] == "New Student mentioned you in a chat room"
    assert await _inbox(service, sender) == []
    assert await service.scalar(
        "SELECT count(*) FROM notifications WHERE type = 'chat_mention'"
    ) == 2  # fmt: skip
    # The sender's welcome: its in-app event and its notification.sent; the two mentions.
    topic = f"{service.settings.kafka_topic_prefix}notification"
    records = await consume_all(kafka_bootstrap, topic, expected=4, timeout=30, linger=1.5)
    created = [
        msgspec.json.decode(r.value)["data"]["notification"]
        for r in records
        if msgspec.json.decode(r.value)["type"] == "notification.in_app_created"
    ]
    mentions = [n for n in created if n["kind"] == "chat_mention"]
    assert sorted(n["user_id"] for n in mentions) == sorted([ada, bob])
    for notification in mentions:
        assert f"/chat/rooms/{room}" in notification["body_text"]
        assert notification["subject"] == "New Student mentioned you in a chat room"
    stored = await service.scalar(
        "SELECT min(variables->>'room_id') || ' ' || min(variables->>'sender_id') "
        "FROM notifications WHERE type = 'chat_mention'"
    )
    assert stored == f"{room} {sender}"


async def test_a_malformed_mention_goes_to_the_dlq_and_notifies_nobody(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    service = notification_service
    prefix = service.settings.kafka_topic_prefix
    room, sender, ada = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    no_list = _data(room, sender, ada)
    del no_list["mentioned_user_ids"]
    bad_room = _data("not-a-room", sender, ada) | {"room_id": "not-a-room"}
    bad = [
        mentioned(no_list),
        mentioned(bad_room),
        mentioned(_data(room, sender, ada), college=None),  # no college
    ]

    await publish_to(service, kafka_bootstrap, "chat", *bad)

    dead = await consume_all(kafka_bootstrap, f"{prefix}chat.dlq", expected=3, timeout=30)
    assert sorted(record.value for record in dead) == sorted(bad)
    headers = {name: v.decode() for name, v in dead[0].headers}
    assert headers["x-dlq-original-topic"] == f"{prefix}chat"
    assert await service.scalar("SELECT count(*) FROM notifications") == 0


async def _known(service: RunningNotification) -> bool:
    """The sender's account event stored and counted (the counts above start from here)."""
    stored = await service.scalar("SELECT count(*) FROM recipients") >= 1
    return stored and await settled(service) >= 1


async def _at_least(service: RunningNotification, count: int) -> bool:
    return await settled(service) >= count
