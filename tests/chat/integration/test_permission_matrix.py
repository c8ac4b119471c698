"""Who may do what, over REST and over the socket, against the real service. One row per
caller; each cell is the status (REST) and whether the socket frame was accepted. The socket
cells are checked over each transport: Socket.IO, and the native WebSocket (``/ws``).

Rows: members of the section by role, a person of the college in no section, a college admin
in no section, the same person with another college's token, and a token without
``chat:participate``. The room is the section's room; deletes and mutes target a student.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from lms.chat.domain.rooms import section_room_id
from lms_platform.kernel.membership import SectionRole
from tests.chat.integration.clients import ChatApi, NativeClient, SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments

PERMS = ("chat:participate",)


@dataclass(frozen=True)
class Row:
    caller: str
    role: SectionRole | None  # their enrollment in the section, if any
    token_roles: tuple[str, ...]
    # Statuses: GET /rooms, history, post, delete another's message, mute, mark read
    rooms: int
    history: int
    post: int
    delete_other: int
    mute: int
    read: int
    foreign: bool = False
    permissions: tuple[str, ...] = PERMS


MATRIX = [
    Row("student", SectionRole.STUDENT, ("student",), 200, 200, 201, 403, 403, 200),
    Row("teaching assistant", SectionRole.TEACHING_ASSISTANT, ("teaching_assistant",), 200, 200, 201, 204, 201, 200),
    Row("instructor", SectionRole.INSTRUCTOR, ("instructor",), 200, 200, 201, 204, 201, 200),
    Row("observer", SectionRole.OBSERVER, ("student",), 200, 200, 403, 403, 403, 200),
    Row("student of no section", None, ("student",), 200, 403, 403, 403, 403, 403),
    Row("college admin", None, ("college_admin",), 200, 200, 403, 204, 201, 200),
    Row("another college's student", SectionRole.STUDENT, ("student",), 200, 404, 404, 404, 404, 404, foreign=True),
    Row("no chat:participate", SectionRole.STUDENT, ("student",), 403, 403, 403, 403, 403, 403, permissions=()),
]  # fmt: skip


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.caller)
@pytest.mark.parametrize("transport", ["socket.io", "native"])
async def test_the_permission_matrix(
    chat: ChatCluster, college: str, other_college: str, enrollments: Enrollments, row: Row,
    transport: str,
) -> None:  # fmt: skip
    course, section, ada, caller = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await enrollments.put(college, ada, course, section)
    if row.role is not None:
        await enrollments.put(college, caller, course, section, role=row.role)
    room = str(section_room_id(college, section))
    token_college = other_college if row.foreign else college
    token = chat.token(caller, token_college, roles=row.token_roles, permissions=row.permissions)
    async with chat.api(ada, college) as author, ChatApi(chat.a.base_url, token) as api:
        target = await author.client.post(f"/rooms/{room}/messages", json={"body": "hello"})
        assert target.status_code == 201
        message_id = target.json()["message"]["id"]
        statuses = {
            "rooms": (await api.client.get("/rooms")).status_code,
            "history": (await api.client.get(f"/rooms/{room}/messages")).status_code,
            "post": (await api.client.post(f"/rooms/{room}/messages", json={"body": "x"})).status_code,
            "delete_other": (await api.client.delete(f"/messages/{message_id}")).status_code,
            "mute": (await api.client.post(
                f"/rooms/{room}/mutes", json={"user_id": str(ada), "minutes": 5})).status_code,
            "read": (await api.client.post(f"/rooms/{room}/read", json={"seq": 1})).status_code,
        }  # fmt: skip
    expected = {k: getattr(row, k) for k in statuses}
    assert statuses == expected
    posted_by_caller = 1 if row.post == 201 else 0
    assert await chat.scalar(
        "SELECT count(*) FROM chat_messages WHERE room_id = $1 AND sender_id = $2",
        uuid.UUID(room), caller,
    ) == posted_by_caller  # fmt: skip

    # The socket follows the same rules: join needs read, send needs post.
    if transport == "socket.io":
        async with SocketClient(chat.b.base_url, token) as sock:
            joined = await sock.call("join", {"room_id": room})
            sent = await sock.call("send", {"room_id": room, "body": "over the socket"})
    else:  # the native acks carry the same ok and error code
        async with NativeClient(chat.b.base_url, token) as native:
            joined = await native.call("join", room_id=room)
            sent = await native.call("send", room_id=room, body="over the socket")
    assert joined["ok"] is (row.history == 200), joined
    assert sent["ok"] is (row.post == 201), sent
    if not sent["ok"]:
        assert sent["error"]["code"] == {403: "not_allowed", 404: "room_not_found"}[row.post]
