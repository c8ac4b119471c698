"""Live chat across two real processes: connect with a token, join a course or section room,
send, and receive exactly once on the other process; catch-up after a reconnect."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio

from lms.chat.domain.rooms import course_room_id, section_room_id
from tests.chat.integration.clients import SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments


@pytest.fixture
async def course(enrollments: Enrollments, college: str) -> dict[str, uuid.UUID]:
    """A course with one section, a student ``ada`` and a student ``bob`` in it."""
    ids = {name: uuid.uuid4() for name in ("course", "section", "ada", "bob")}
    for user in ("ada", "bob"):
        await enrollments.put(college, ids[user], ids["course"], ids["section"])
    return ids


async def test_a_message_sent_on_one_process_arrives_once_on_the_other(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    ada = SocketClient(chat.a.base_url, chat.token(course["ada"], college))
    bob = SocketClient(chat.b.base_url, chat.token(course["bob"], college))
    async with ada, bob:
        assert (await ada.call("join", {"room_id": room}))["ok"]
        assert (await bob.call("join", {"room_id": room}))["ok"]
        ack = await bob.call("send", {"room_id": room, "body": "hello from B", "client_id": "m1"})
        assert ack["ok"] and ack["seq"] == 1, ack
        await ada.wait_for(lambda: len(ada.messages.get(room, [])) >= 1)
        await bob.wait_for(lambda: len(bob.messages.get(room, [])) >= 1)
        await asyncio.sleep(0.5)  # a second copy would have arrived by now
        assert [m["body"] for m in ada.messages[room]] == ["hello from B"]
        assert ada.messages[room][0]["id"] == ack["id"]
        assert bob.seqs(room) == [1]  # the sender gets it once too


@pytest.mark.parametrize("transports", [["polling"], ["polling", "websocket"], ["websocket"]])
async def test_python_socketio_chats_over_every_transport(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], transports: list[str]
) -> None:
    room = str(course_room_id(college, course["course"]))
    async with SocketClient(chat.a.base_url, chat.token(course["ada"], college), transports) as ada:
        assert (await ada.call("join", {"room_id": room}))["ok"]
        ack = await ada.call("send", {"room_id": room, "body": f"via {transports}"})
        assert ack["ok"], ack
        await ada.wait_for(lambda: ada.seqs(room) == [ack["seq"]])
        assert ada.sio.transport() == transports[-1]


async def test_a_resend_with_the_same_client_id_is_not_a_second_message(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    async with SocketClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await ada.call("join", {"room_id": room})
        first = await ada.call("send", {"room_id": room, "body": "once", "client_id": "c-1"})
        again = await ada.call("send", {"room_id": room, "body": "once", "client_id": "c-1"})
        assert (first["id"], first["seq"], first["duplicate"]) == (again["id"], 1, False)
        assert again["duplicate"] is True
    assert (
        await chat.scalar("SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room))
        == 1
    )


async def test_many_frames_at_once_do_not_starve_the_database_pool(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    # The test processes pool 4 + 4 connections. Each frame took two (the room gate read the
    # memberships on a session of its own), so 16 joins at once all waited for a second one.
    room = str(section_room_id(college, course["section"]))
    token = chat.token(course["ada"], college)
    clients = [SocketClient(chat.a.base_url, token) for _ in range(16)]
    await asyncio.gather(*(client.connect() for client in clients))
    try:
        acks = await asyncio.gather(*(client.call("join", {"room_id": room}) for client in clients))
        assert [ack["ok"] for ack in acks] == [True] * len(clients), acks
    finally:
        await asyncio.gather(*(client.sio.disconnect() for client in clients))


async def test_reconnect_catch_up_delivers_each_missed_message_once_in_order(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    bob = SocketClient(chat.b.base_url, chat.token(course["bob"], college))
    async with SocketClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await bob.connect()
        await bob.call("join", {"room_id": room})
        await ada.call("join", {"room_id": room})

        async def send_all() -> None:
            for i in range(100):
                ack = await ada.call(
                    "send", {"room_id": room, "body": f"m{i}", "client_id": f"k{i}"}
                )
                assert ack["ok"], ack
                if i == 30:
                    await bob.sio.eio.disconnect(abort=True)  # the connection dies mid-stream

        await send_all()
    received = bob.seqs(room)
    assert received == list(range(1, len(received) + 1)) and len(received) < 100
    again = SocketClient(chat.b.base_url, chat.token(course["bob"], college))
    async with again:
        last = received[-1] if received else 0
        ack = await again.call("join", {"room_id": room, "after_seq": last})
        assert ack["ok"] and ack["last_seq"] == 100
        await again.wait_for(lambda: len(again.seqs(room)) >= 100 - last)
        await asyncio.sleep(0.3)
        assert received + again.seqs(room) == list(range(1, 101))
        assert [m["body"] for m in again.messages[room]] == [f"m{i}" for i in range(last, 100)]


async def test_no_token_an_expired_token_and_a_foreign_token_are_refused(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    from lms_platform.security.testing import TokenFactory

    expired = chat.tokens.sign(
        {**chat.tokens.claims(str(course["ada"]), college, permissions=["chat:participate"]),
         "iat": 1, "exp": 2}
    )  # fmt: skip
    for token in (None, expired, TokenFactory().mint(str(course["ada"]), college)):
        client = SocketClient(chat.a.base_url, token)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await client.connect()


async def test_another_college_cannot_join_or_read(
    chat: ChatCluster, college: str, other_college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    # Same user id, another college's token: the room does not exist for them.
    async with SocketClient(chat.a.base_url, chat.token(course["ada"], other_college)) as mallory:
        ack = await mallory.call("join", {"room_id": room})
        assert ack == {
            "ok": False,
            "error": {"code": "room_not_found", "detail": "no such room", "event": "join"},
        }
        sent = await mallory.call("send", {"room_id": room, "body": "hi"})
        assert sent["error"]["code"] == "room_not_found"
    assert (
        await chat.scalar("SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room))
        == 0
    )


async def test_a_non_member_of_the_college_cannot_join_or_send(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    async with SocketClient(chat.a.base_url, chat.token(uuid.uuid4(), college)) as eve:
        assert (await eve.call("join", {"room_id": room}))["error"]["code"] == "not_allowed"
        assert (await eve.call("send", {"room_id": room, "body": "x"}))["error"][
            "code"
        ] == "not_allowed"
        assert eve.messages == {}
    assert (
        await chat.scalar("SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room))
        == 0
    )
