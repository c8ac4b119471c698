"""The stock Node ``socket.io-client`` (from npm, installed by the fixture, run with the machine's
Node) against a real ``chat serve``: it connects with a token, joins, sends, and receives its own
message and one a python-socketio client on the other process sends; a bad token is refused
with the documented ``connect_error`` data."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest

from lms.chat.domain.rooms import section_room_id
from lms_platform.testing.tools import ensure_npm_package
from tests.chat.integration.clients import SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments

SOCKET_IO_CLIENT = "socket.io-client@4.8.1"

# Prints one JSON line per step: {"step": "joined", ...}, then {"step": "done", ...} once it has
# both messages, or {"step": "refused", ...} on connect_error. Exits by itself on a timeout.
SCRIPT = r"""
const { io } = require("socket.io-client");
const [url, token, room, transports] = process.argv.slice(1);
const say = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const socket = io(url, { auth: { token }, transports: transports.split(","), reconnection: false });
const received = [];
let ack = null;
const finish = () => {
  if (ack && received.length >= 2) {
    say({ step: "done", ack, received, transport: socket.io.engine.transport.name });
    socket.close();
    process.exit(0);
  }
};
setTimeout(() => { say({ step: "timeout", received }); process.exit(2); }, 15000);
socket.on("connect_error", (err) => {
  say({ step: "refused", message: err.message, data: err.data ?? null });
  process.exit(0);
});
socket.on("message", (message) => { received.push(message); finish(); });
socket.on("connect", async () => {
  const joined = await socket.emitWithAck("join", { room_id: room });
  say({ step: "joined", joined });
  ack = await socket.emitWithAck("send", { room_id: room, body: "from node", client_id: "n1" });
  finish();
});
"""


@pytest.fixture(scope="module")
def node_modules() -> Path:
    cache = Path(tempfile.gettempdir()) / f"lms-test-cache-{os.geteuid()}" / "npm"
    return ensure_npm_package(SOCKET_IO_CLIENT, cache / SOCKET_IO_CLIENT.replace("/", "_"))


class NodeClient:
    def __init__(self, modules: Path, url: str, token: str, room: str, transports: str) -> None:
        self._args = ["node", "-e", SCRIPT, url, token, room, transports]
        self._env = {**os.environ, "NODE_PATH": str(modules)}
        self._process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> NodeClient:
        self._process = await asyncio.create_subprocess_exec(
            *self._args, env=self._env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return self

    async def __aexit__(self, *_: Any) -> None:
        assert self._process is not None
        if self._process.returncode is None:
            self._process.kill()
        await self._process.wait()

    async def line(self) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        raw = await asyncio.wait_for(self._process.stdout.readline(), 20)
        if not raw:
            assert self._process.stderr is not None
            raise AssertionError(f"node said nothing: {(await self._process.stderr.read())!r}")
        return dict(json.loads(raw))


@pytest.fixture
async def course(enrollments: Enrollments, college: str) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("course", "section", "ada", "bob")}
    for user in ("ada", "bob"):
        await enrollments.put(college, ids[user], ids["course"], ids["section"])
    return ids


@pytest.mark.parametrize("transports", ["polling,websocket", "websocket"])
async def test_the_node_client_chats_with_a_python_client_on_the_other_process(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], node_modules: Path,
    transports: str,
) -> None:  # fmt: skip
    room = str(section_room_id(college, course["section"]))
    token = chat.token(course["ada"], college)
    async with SocketClient(chat.b.base_url, chat.token(course["bob"], college)) as bob:
        assert (await bob.call("join", {"room_id": room}))["ok"]
        async with NodeClient(node_modules, chat.a.base_url, token, room, transports) as ada:
            joined = await ada.line()
            assert joined["step"] == "joined" and joined["joined"]["ok"], joined
            sent = await bob.call("send", {"room_id": room, "body": "from python"})
            assert sent["ok"], sent
            done = await ada.line()
    assert done["step"] == "done", done
    assert done["ack"]["ok"] and done["ack"]["duplicate"] is False
    assert done["transport"] == transports.split(",")[-1]
    by_body = {m["body"]: m for m in done["received"]}
    assert set(by_body) == {"from node", "from python"}
    assert by_body["from node"]["id"] == done["ack"]["id"]
    assert by_body["from node"]["sender_id"] == str(course["ada"])
    assert by_body["from python"]["sender_id"] == str(course["bob"])
    assert sorted(m["seq"] for m in done["received"]) == [1, 2]


async def test_the_node_client_is_refused_with_a_bad_token(
    chat: ChatCluster, college: str, node_modules: Path
) -> None:
    room = str(uuid.uuid4())
    async with NodeClient(node_modules, chat.a.base_url, "not-a-token", room, "websocket") as bad:
        refused = await bad.line()
    assert refused == {
        "step": "refused",
        "message": "authentication failed",
        "data": {"code": "token_invalid", "detail": "authentication failed"},
    }
