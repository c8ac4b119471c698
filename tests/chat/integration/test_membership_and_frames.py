"""Membership changes take effect live, bad frames get error frames on a connection that
survives, and moderation (delete any, mute) belongs to course staff."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import socketio

from lms.chat.domain.rooms import course_room_id, section_room_id
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from tests.chat.integration.clients import SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments


@pytest.fixture
async def course(enrollments: Enrollments, college: str) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("course", "section", "ada", "bob", "teacher")}
    for user in ("ada", "bob"):
        await enrollments.put(college, ids[user], ids["course"], ids["section"])
    await enrollments.put(
        college, ids["teacher"], ids["course"], ids["section"], role=SectionRole.INSTRUCTOR
    )
    return ids


async def messages_in(chat: ChatCluster, room: str) -> int:
    return int(
        await chat.scalar("SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room))
    )


async def test_a_dropped_student_is_cut_off_live_on_every_process(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], enrollments: Enrollments
) -> None:
    section_room = str(section_room_id(college, course["section"]))
    course_room = str(course_room_id(college, course["course"]))
    bob_on_a = SocketClient(chat.a.base_url, chat.token(course["bob"], college))
    bob_on_b = SocketClient(chat.b.base_url, chat.token(course["bob"], college))
    async with (
        bob_on_a,
        bob_on_b,
        SocketClient(chat.a.base_url, chat.token(course["ada"], college)) as ada,
    ):
        for client in (bob_on_a, bob_on_b):
            for room in (section_room, course_room):
                assert (await client.call("join", {"room_id": room}))["ok"]
        await ada.call("join", {"room_id": section_room})
        await enrollments.put(
            college, course["bob"], course["course"], course["section"],
            state=EnrollmentState.DROPPED,
        )  # fmt: skip
        for client in (bob_on_a, bob_on_b):
            await client.wait_for(lambda c=client: len(c.named("removed")) == 2)
            assert {r["room_id"] for r in client.named("removed")} == {section_room, course_room}
        await ada.call("send", {"room_id": section_room, "body": "after the drop"})
        await ada.wait_for(lambda: len(ada.seqs(section_room)) == 1)
        await asyncio.sleep(0.3)
        assert bob_on_a.messages == {} and bob_on_b.messages == {}
        refused = await bob_on_a.call("send", {"room_id": section_room, "body": "still here?"})
        assert refused["error"]["code"] == "not_allowed"
        assert (await bob_on_b.call("join", {"room_id": section_room}))["error"][
            "code"
        ] == "not_allowed"
    assert await messages_in(chat, section_room) == 1
    async with chat.api(course["bob"], college) as bob_api:
        history = await bob_api.client.get(f"/rooms/{section_room}/messages")
        assert history.status_code == 403
        assert history.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("event", "payload", "code"),
    [
        ("send", None, "invalid_frame"),
        ("send", "just a string", "invalid_frame"),
        ("send", {"room_id": "not-a-uuid", "body": "x"}, "invalid_frame"),
        ("send", {"room_id": "ROOM", "body": 42}, "invalid_frame"),
        ("send", {"room_id": "ROOM", "body": "x", "extra": 1}, "invalid_frame"),
        ("send", {"room_id": "ROOM", "body": "   "}, "invalid_input"),
        ("send", {"room_id": "ROOM", "body": "x" * 4001}, "invalid_input"),
        ("send", {"room_id": "ROOM", "body": "x", "client_id": "k" * 65}, "invalid_input"),
        ("join", {"room_id": "ROOM", "after_seq": -1}, "invalid_input"),
        ("read", {"room_id": "ROOM", "seq": "3"}, "invalid_frame"),
        ("fly", {"room_id": "ROOM"}, "unknown_event"),
    ],
)
async def test_bad_frames_get_error_frames_and_the_connection_survives(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], event: str, payload: object,
    code: str,
) -> None:  # fmt: skip
    room = str(section_room_id(college, course["section"]))
    if isinstance(payload, dict):
        payload = {k: (room if v == "ROOM" else v) for k, v in payload.items()}
    async with SocketClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await ada.call("join", {"room_id": room})
        answer = await ada.call(event, payload)
        assert answer["ok"] is False and answer["error"]["code"] == code, answer
        await ada.wait_for(lambda: len(ada.named("error")) == 1)
        assert ada.named("error")[0]["code"] == code
        ok = await ada.call("send", {"room_id": room, "body": "still connected"})
        assert ok["ok"] and ok["seq"] == 1  # nothing was stored for the bad frame
    assert await messages_in(chat, room) == 1


async def test_an_oversize_frame_is_refused_by_the_transport_limit(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    async with SocketClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await ada.call("join", {"room_id": room})
        # The server closes the transport: the call gets no answer.
        with pytest.raises(
            (socketio.exceptions.TimeoutError, socketio.exceptions.DisconnectedError)
        ):
            await ada.sio.call("send", {"room_id": room, "body": "x" * 200_000}, timeout=3)
    assert await messages_in(chat, room) == 0


async def test_staff_delete_any_message_and_mute_a_member_students_cannot(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    ada = SocketClient(chat.a.base_url, chat.token(course["ada"], college))
    bob = SocketClient(chat.b.base_url, chat.token(course["bob"], college))
    teacher = SocketClient(
        chat.a.base_url, chat.token(course["teacher"], college, roles=("instructor",))
    )
    async with ada, bob, teacher:
        for client in (ada, bob, teacher):
            await client.call("join", {"room_id": room})
        sent = await ada.call("send", {"room_id": room, "body": "rude"})
        denied = await bob.call("delete", {"message_id": sent["id"]})
        assert denied["error"]["code"] == "not_allowed"
        assert (
            await bob.call("mute", {"room_id": room, "user_id": str(course["ada"]), "minutes": 5})
        )["error"]["code"] == "not_allowed"
        assert (await teacher.call("delete", {"message_id": sent["id"]}))["ok"]
        await bob.wait_for(lambda: len(bob.named("message_changed")) == 1)
        change = bob.named("message_changed")[0]
        assert change["kind"] == "deleted" and change["message"]["body"] is None
        muted = await teacher.call(
            "mute", {"room_id": room, "user_id": str(course["ada"]), "minutes": 5}
        )
        assert muted["ok"]
        await bob.wait_for(lambda: len(bob.named("member_muted")) == 1)
        refused = await ada.call("send", {"room_id": room, "body": "again"})
        assert refused["error"]["code"] == "muted"
    assert await messages_in(chat, room) == 1


async def test_an_expiring_token_is_refreshed_with_reauth_or_the_socket_is_closed(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    short = chat.token(course["ada"], college, expires_in=2)
    async with (
        SocketClient(chat.a.base_url, short) as kept,
        SocketClient(chat.b.base_url, short) as lapsed,
    ):
        answer = await kept.call("reauth", {"token": chat.token(course["ada"], college)})
        assert answer["ok"] and answer["expires_in"] > 500
        other = await kept.call("reauth", {"token": chat.token(course["bob"], college)})
        assert other["error"]["code"] == "token_mismatch"
        await lapsed.wait_for(lambda: bool(lapsed.named("disconnect")), timeout=10)
        assert any(e["code"] == "token_expired" for e in lapsed.named("error"))
        assert kept.sio.connected
