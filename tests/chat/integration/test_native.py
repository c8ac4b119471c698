"""The native WebSocket protocol (``/ws``) on real ``chat serve`` processes, with a plain
``websockets`` client: auth as the first frame, chat with Socket.IO clients in the same room in
both directions and across processes, the same access checks per frame (another college, a
non-member, a student dropped live), and bad frames."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import websockets

from lms.chat.domain.rooms import course_room_id, section_room_id
from lms_platform.kernel.membership import EnrollmentState
from tests.chat.integration.clients import NativeClient, SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments


@pytest.fixture
async def course(enrollments: Enrollments, college: str) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("course", "section", "ada", "bob")}
    for user in ("ada", "bob"):
        await enrollments.put(college, ids[user], ids["course"], ids["section"])
    return ids


async def messages_in(chat: ChatCluster, room: str) -> int:
    return int(
        await chat.scalar("SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room))
    )


async def test_auth_is_the_first_frame_and_answers_who_and_for_how_long(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    async with NativeClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        assert ada.auth_ack is not None
        assert ada.auth_ack["id"] == "c1" and ada.auth_ack["ok"] is True
        data = ada.auth_ack["data"]
        assert (data["user_id"], data["tenant"], data["protocol"]) == (
            str(course["ada"]), college, 1,
        )  # fmt: skip
        assert 500 < data["expires_in"] <= 600


@pytest.mark.parametrize("native_on", ["a", "b"])
async def test_native_and_socketio_clients_chat_in_one_room_both_ways(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], native_on: str
) -> None:
    room = str(section_room_id(college, course["section"]))
    native_process, socketio_process = (chat.a, chat.b) if native_on == "a" else (chat.b, chat.a)
    ada = NativeClient(native_process.base_url, chat.token(course["ada"], college))
    bob = SocketClient(socketio_process.base_url, chat.token(course["bob"], college))
    async with ada, bob:
        joined = await ada.call("join", room_id=room)
        assert joined == {
            "type": "ack", "id": joined["id"], "ok": True,
            "data": {"room_id": room, "last_seq": 0, "caught_up": 0},
        }  # fmt: skip
        assert (await bob.call("join", {"room_id": room}))["ok"]
        from_native = await ada.call("send", room_id=room, body="from native", client_id="n1")
        assert from_native["ok"] and from_native["data"]["seq"] == 1, from_native
        await bob.wait_for(lambda: bob.seqs(room) == [1])
        from_socketio = await bob.call("send", {"room_id": room, "body": "from socket.io"})
        assert from_socketio["ok"] and from_socketio["seq"] == 2
        await ada.wait_for(lambda: len(ada.seqs(room)) == 2)
        await asyncio.sleep(0.3)  # a second copy would have arrived by now
        assert [m["body"] for m in ada.messages[room]] == ["from native", "from socket.io"]
        assert ada.messages[room][0]["id"] == from_native["data"]["id"]
        assert [m["body"] for m in bob.messages[room]] == ["from native", "from socket.io"]
        edited = await bob.call("edit", {"message_id": from_socketio["id"], "body": "edited"})
        assert edited["ok"], edited
        await ada.wait_for(lambda: bool(ada.named("message_changed")))
        change = ada.named("message_changed")[0]
        assert change["kind"] == "edited" and change["message"]["body"] == "edited"
        read = await ada.call("read", room_id=room, seq=2)
        assert read["data"] == {"read_seq": 2}


async def test_a_native_join_catches_up_after_seq(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(course_room_id(college, course["course"]))
    async with SocketClient(chat.a.base_url, chat.token(course["bob"], college)) as bob:
        await bob.call("join", {"room_id": room})
        for i in range(5):
            assert (await bob.call("send", {"room_id": room, "body": f"m{i}"}))["ok"]
    async with NativeClient(chat.b.base_url, chat.token(course["ada"], college)) as ada:
        joined = await ada.call("join", room_id=room, after_seq=2)
        assert joined["data"] == {"room_id": room, "last_seq": 5, "caught_up": 3}
        await ada.wait_for(lambda: len(ada.seqs(room)) == 3)
        assert ada.seqs(room) == [3, 4, 5]


async def test_another_college_and_a_non_member_are_refused_per_frame(
    chat: ChatCluster, college: str, other_college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    async with NativeClient(chat.a.base_url, chat.token(course["ada"], other_college)) as mallory:
        joined = await mallory.call("join", room_id=room)
        assert joined == {
            "type": "ack", "id": joined["id"], "ok": False,
            "error": {"code": "room_not_found", "detail": "no such room", "event": "join"},
        }  # fmt: skip
        sent = await mallory.call("send", room_id=room, body="hi")
        assert sent["error"]["code"] == "room_not_found"
    async with NativeClient(chat.a.base_url, chat.token(uuid.uuid4(), college)) as eve:
        assert (await eve.call("join", room_id=room))["error"]["code"] == "not_allowed"
        assert (await eve.call("send", room_id=room, body="x"))["error"]["code"] == "not_allowed"
    assert await messages_in(chat, room) == 0


async def test_a_dropped_student_on_a_native_socket_is_removed_live(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], enrollments: Enrollments
) -> None:
    room = str(section_room_id(college, course["section"]))
    bob_on_a = NativeClient(chat.a.base_url, chat.token(course["bob"], college))
    bob_on_b = NativeClient(chat.b.base_url, chat.token(course["bob"], college))
    async with (
        bob_on_a,
        bob_on_b,
        NativeClient(chat.a.base_url, chat.token(course["ada"], college)) as ada,
    ):
        for client in (bob_on_a, bob_on_b, ada):
            assert (await client.call("join", room_id=room))["ok"]
        await enrollments.put(
            college, course["bob"], course["course"], course["section"],
            state=EnrollmentState.DROPPED,
        )  # fmt: skip
        for client in (bob_on_a, bob_on_b):
            await client.wait_for(lambda c=client: bool(c.named("removed")))
            assert client.named("removed") == [{"room_id": room, "reason": "access_lost"}]
        await ada.call("send", room_id=room, body="after the drop")
        await ada.wait_for(lambda: len(ada.seqs(room)) == 1)
        await asyncio.sleep(0.3)
        assert bob_on_a.messages == {} and bob_on_b.messages == {}
        refused = await bob_on_a.call("send", room_id=room, body="still here?")
        assert refused["error"]["code"] == "not_allowed"
    assert await messages_in(chat, room) == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_frame"),
        ("[1, 2]", "invalid_frame"),
        ('{"id": "x"}', "invalid_frame"),
        ('{"type": "send", "id": true}', "invalid_frame"),
        (b'{"type": "send"}', "invalid_frame"),
    ],
)
async def test_frames_that_are_not_frames_get_an_error_event_and_the_socket_survives(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], raw: str | bytes, code: str
) -> None:
    room = str(section_room_id(college, course["section"]))
    async with NativeClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await ada.call("join", room_id=room)
        await ada.send_raw(raw)
        await ada.wait_for(lambda: bool(ada.named("error")))
        assert ada.named("error")[0]["code"] == code
        ok = await ada.call("send", room_id=room, body="still connected")
        assert ok["ok"] and ok["data"]["seq"] == 1
    assert await messages_in(chat, room) == 1


@pytest.mark.parametrize(
    ("kind", "fields", "code"),
    [
        ("send", {"room_id": "not-a-uuid", "body": "x"}, "invalid_frame"),
        ("send", {"room_id": "ROOM", "body": 42}, "invalid_frame"),
        ("send", {"room_id": "ROOM", "body": "x", "extra": 1}, "invalid_frame"),
        ("send", {"room_id": "ROOM", "body": "x" * 4001}, "invalid_input"),
        ("join", {"room_id": "ROOM", "after_seq": -1}, "invalid_input"),
        ("auth", {"token": "again"}, "invalid_frame"),
        ("fly", {"room_id": "ROOM"}, "unknown_event"),
    ],
)
async def test_bad_frames_get_error_acks_and_the_socket_survives(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], kind: str,
    fields: dict[str, object], code: str,
) -> None:  # fmt: skip
    room = str(section_room_id(college, course["section"]))
    fields = {k: (room if v == "ROOM" else v) for k, v in fields.items()}
    async with NativeClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await ada.call("join", room_id=room)
        answer = await ada.call(kind, **fields)
        assert answer["ok"] is False and answer["error"]["code"] == code, answer
        ok = await ada.call("send", room_id=room, body="still connected")
        assert ok["ok"] and ok["data"]["seq"] == 1
    assert await messages_in(chat, room) == 1


async def test_an_oversize_frame_closes_the_socket(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    async with NativeClient(chat.a.base_url, chat.token(course["ada"], college)) as ada:
        await ada.call("join", room_id=room)
        body = "x" * 200_000
        await ada.send_raw(json.dumps({"type": "send", "id": "big", "room_id": room, "body": body}))
        await ada.wait_for(lambda: ada.closed)
        assert ada.closed and "big" not in ada.acks
        # uWS ends the connection (1009 to the server's close callback); the client reading
        # mid-send usually sees no close frame, so 1006.
        assert ada.ws.close_code in (1006, 1009)
    assert await messages_in(chat, room) == 0


async def test_no_token_a_bad_token_or_another_first_frame_is_closed_with_4401(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    from lms_platform.security.testing import TokenFactory

    expired = chat.tokens.sign(
        {**chat.tokens.claims(str(course["ada"]), college, permissions=["chat:participate"]),
         "iat": 1, "exp": 2}
    )  # fmt: skip
    cases = [
        ("auth", {}, "token_missing"),
        ("auth", {"token": expired}, "token_expired"),
        ("auth", {"token": TokenFactory().mint(str(course["ada"]), college)}, "token_invalid"),
        ("join", {"room_id": str(uuid.uuid4())}, "token_missing"),
    ]
    for kind, fields, code in cases:
        client = await NativeClient(chat.a.base_url, None).open()
        answer = await client.call(kind, **fields)
        assert answer["ok"] is False and answer["error"]["code"] == code, answer
        await client.wait_for(lambda c=client: c.closed)
        assert (client.ws.close_code, client.ws.close_reason) == (4401, code)


async def test_the_token_is_never_taken_from_the_url(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    token = chat.token(course["ada"], college)
    url = chat.a.base_url.replace("http://", "ws://") + f"/ws?token={token}"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "join", "id": 1, "room_id": str(uuid.uuid4())}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["id"] == 1 and ack["error"]["code"] == "token_missing"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_an_expiring_token_is_refreshed_with_reauth_or_the_native_socket_is_closed(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    short = chat.token(course["ada"], college, expires_in=2)
    async with (
        NativeClient(chat.a.base_url, short) as kept,
        NativeClient(chat.b.base_url, short) as lapsed,
    ):
        answer = await kept.call("reauth", token=chat.token(course["ada"], college))
        assert answer["ok"] and answer["data"]["expires_in"] > 500
        await lapsed.wait_for(lambda: lapsed.closed, timeout=10)
        assert [e["code"] for e in lapsed.named("error")] == ["token_expired"]
        assert (lapsed.ws.close_code, lapsed.ws.close_reason) == (4401, "token_expired")
        assert not kept.closed
