"""chat.* events reach Kafka through the outbox, read with a plain aiokafka consumer: one per
change, keyed by room, without message bodies; a duplicated enrollment event changes nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import msgspec
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from lms.chat.domain.rooms import course_room_id, section_room_id
from lms_platform.kernel.membership import SectionRole
from lms_platform.messaging import decode_envelope, encode_envelope, new_envelope
from tests.chat.integration.clients import SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments


async def chat_events(
    chat: ChatCluster, college: str, expected: int, linger: float = 1.5, timeout: float = 30.0
) -> list[tuple[str, Any]]:
    """This college's envelopes on topic ``chat`` (shared by the session), waiting for
    ``expected`` and then ``linger`` seconds more, so extra copies would show."""
    consumer = AIOKafkaConsumer(
        f"{chat.namespace}chat", bootstrap_servers=chat.kafka_bootstrap, group_id=None,
        auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
    )  # fmt: skip
    found: list[tuple[str, Any]] = []
    await consumer.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        linger_until: float | None = None
        while loop.time() < deadline and (linger_until is None or loop.time() < linger_until):
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    envelope = decode_envelope(record.value)
                    if envelope.tenant == college:
                        found.append((record.key.decode(), envelope))
            if linger_until is None and len(found) >= expected:
                linger_until = loop.time() + linger
    finally:
        await consumer.stop()
    return found


async def test_every_change_is_one_event_without_the_body(
    chat: ChatCluster, college: str, enrollments: Enrollments
) -> None:
    course, section, ada, teacher = (uuid.uuid4() for _ in range(4))
    enrollment = await enrollments.put(college, ada, course, section)
    await enrollments.put(college, teacher, course, section, role=SectionRole.INSTRUCTOR)
    # The same enrollment event delivered twice (a producer retry): applied once.
    producer = AIOKafkaProducer(bootstrap_servers=chat.kafka_bootstrap)
    await producer.start()
    try:
        snapshot = {"id": str(uuid.uuid4()), "user_id": str(uuid.uuid4()), "section_id": str(section),
                    "course_id": str(course), "role": "student", "state": "active", "version": 1,
                    "updated_at": "2026-12-01T00:00:00Z"}  # fmt: skip
        duplicate = new_envelope(
            "enrollment.created", "course", str(snapshot["id"]), college,
            {"section_id": str(section), "enrollment": snapshot},
        )  # fmt: skip
        for _ in range(2):
            await producer.send_and_wait(
                f"{chat.namespace}enrollment", encode_envelope(duplicate), key=str(section).encode()
            )
    finally:
        await producer.stop()
    await enrollments.wait_applied(duplicate.id)
    assert enrollment
    room = str(section_room_id(college, section))
    async with (
        SocketClient(chat.a.base_url, chat.token(ada, college)) as a,
        SocketClient(chat.b.base_url, chat.token(teacher, college, roles=("instructor",))) as t,
    ):
        sent = await a.call("send", {"room_id": room, "body": "secret words"})
        assert (await a.call("edit", {"message_id": sent["id"], "body": "other words"}))["ok"]
        assert (await t.call("delete", {"message_id": sent["id"]}))["ok"]
        assert (await t.call("mute", {"room_id": room, "user_id": str(ada), "minutes": 1}))["ok"]
    events = await chat_events(chat, college, expected=6)
    data = {e.id: msgspec.json.decode(e.data) for _, e in events}
    types = sorted(e.type for _, e in events)
    assert types == sorted([
        "chat.room_created", "chat.room_created", "chat.message_posted", "chat.message_edited",
        "chat.message_deleted", "chat.member_muted",
    ])  # fmt: skip
    assert len({e.id for _, e in events}) == len(events)
    rooms = {data[e.id]["room_id"] for _, e in events if e.type == "chat.room_created"}
    assert rooms == {room, str(course_room_id(college, course))}
    for key, envelope in events:
        assert key == data[envelope.id]["room_id"] and envelope.source == "chat"
        assert b"secret" not in bytes(envelope.data) and b"other words" not in bytes(envelope.data)
    posted = next(e for _, e in events if e.type == "chat.message_posted")
    assert data[posted.id]["length"] == len("secret words") and data[posted.id]["body"] is None
    deleted = next(e for _, e in events if e.type == "chat.message_deleted")
    assert data[deleted.id]["by_moderator"] is True
    assert data[deleted.id]["deleted_by"] == str(teacher)


async def test_a_mention_names_only_members_who_read_the_room_without_the_body(
    chat: ChatCluster, college: str, enrollments: Enrollments
) -> None:
    course, section, other_section = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ada, teacher, classmate, outsider = (uuid.uuid4() for _ in range(4))
    await enrollments.put(college, ada, course, section)
    await enrollments.put(college, teacher, course, section, role=SectionRole.INSTRUCTOR)
    await enrollments.put(college, classmate, course, section)
    await enrollments.put(college, outsider, course, other_section)  # the course's, not ours
    room = str(section_room_id(college, section))
    body = (
        f"@{teacher} @{outsider} @{ada} @{uuid.uuid4()} hello @{str(classmate).upper()} "
        f"and again @{teacher}"
    )
    async with SocketClient(chat.a.base_url, chat.token(ada, college)) as a:
        sent = await a.call("send", {"room_id": room, "body": body})
        plain = await a.call("send", {"room_id": room, "body": f"no one: mail a@{teacher}"})
    # 3 rooms (course, 2 sections), 2 messages, 1 mention: the second message mentions nobody.
    events = await chat_events(chat, college, expected=6)
    mentions = [(key, e) for key, e in events if e.type == "chat.mentioned"]
    assert len(mentions) == 1, [e.type for _, e in events]
    key, envelope = mentions[0]
    data = msgspec.json.decode(envelope.data)
    assert key == room and envelope.source == "chat" and envelope.tenant == college
    assert envelope.subject == room
    assert data == {
        "room_id": room, "message_id": sent["id"], "seq": sent["seq"], "sender_id": str(ada),
        "mentioned_user_ids": [str(teacher), str(classmate)], "body": None,
    }  # fmt: skip
    assert b"hello" not in bytes(envelope.data)
    assert plain["seq"] == sent["seq"] + 1
