"""Many sockets closing at once on a real ``chat serve`` process: clients that say goodbye,
connections cut without a close, and clients gone silent that the server times out. The
process must let go of every socket, log no fault from socketify's close path, and go on
accepting and delivering (lms_platform.realtime.guards).

The storm runs over each transport. Socket.IO's silent clients never answer Engine.IO pings
(closed after 1 s + 5 s here). The native ones (``/ws``): half authenticate and then read
nothing, so they never answer uWS's pings (closed by its idle timeout, 32 s); half never send
their auth frame (closed by the auth timeout, 10 s)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import httpx
import pytest
import websockets

from lms.chat.domain.rooms import section_room_id
from tests.chat.integration.clients import NativeClient, SocketClient
from tests.chat.integration.conftest import ChatCluster, ChatProcess, Enrollments

GRACEFUL, CUT, SILENT = 12, 12, 8
FAULTS = re.compile(r"InvalidStateError|From cffi callback|Traceback")
# How long the silent ones may take to be closed by the server: Engine.IO's ping timeout, or
# the native idle timeout (lms.chat.adapters.realtime.native.IDLE_TIMEOUT_SECONDS) and uWS's
# timer granularity of 4 s.
SILENT_CLOSED_WITHIN = {"socket.io": 20, "native": 50}


async def open_websockets(process: ChatProcess) -> int:
    async with httpx.AsyncClient(timeout=5) as client:
        metrics = (await client.get(f"{process.base_url}/metrics")).text
    found = re.search(r"^realtime_websockets_open (\S+)$", metrics, re.MULTILINE)
    assert found, "the process does not export realtime_websockets_open"
    return int(float(found.group(1)))


async def raw_engineio_client(process: ChatProcess, token: str) -> Any:
    """A Socket.IO client by hand: connected and authenticated, and then it does only what the
    test makes it do (it never answers the server's pings)."""
    ws = await websockets.connect(
        f"ws://127.0.0.1:{process.port}/socket.io/?EIO=4&transport=websocket"
    )
    opened = await asyncio.wait_for(ws.recv(), 10)
    assert str(opened).startswith("0"), opened
    await ws.send("40" + json.dumps({"token": token}))
    connected = await asyncio.wait_for(ws.recv(), 10)
    assert str(connected).startswith("40"), connected
    return ws


async def raw_native_client(process: ChatProcess, token: str, *, authenticate: bool) -> Any:
    """A native client by hand, deaf once opened (and authenticated, if asked): it sends no
    keepalive pings of its own and reads nothing more, so it never answers the server's."""
    ws = await websockets.connect(
        f"ws://127.0.0.1:{process.port}/ws", open_timeout=10, ping_interval=None
    )
    if authenticate:
        await ws.send(json.dumps({"type": "auth", "id": "a", "token": token}))
        ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert ack["type"] == "ack" and ack["ok"], ack
    ws.transport.pause_reading()
    return ws


class Storm:
    """The three kinds of client over one transport."""

    def __init__(self, transport: str, process: ChatProcess, token: str) -> None:
        self.native = transport == "native"
        self.process, self.token = process, token

    def graceful(self) -> SocketClient | NativeClient:
        kind = NativeClient if self.native else SocketClient
        return kind(self.process.base_url, self.token)

    async def join(self, client: SocketClient | NativeClient, room: str) -> dict[str, Any]:
        if isinstance(client, NativeClient):
            return await client.call("join", room_id=room)
        return dict(await client.call("join", {"room_id": room}))

    async def send(self, client: SocketClient | NativeClient, room: str, body: str) -> Any:
        if isinstance(client, NativeClient):
            ack = await client.call("send", room_id=room, body=body)
            return {**ack, **ack.get("data", {})}  # seq beside ok, as Socket.IO's ack has it
        return await client.call("send", {"room_id": room, "body": body})

    async def say_goodbye(self, client: SocketClient | NativeClient) -> None:
        if isinstance(client, NativeClient):
            await client.__aexit__(None, None, None)
        else:
            await client.sio.disconnect()

    async def raw(self, index: int) -> Any:
        if self.native:
            return await raw_native_client(self.process, self.token, authenticate=index % 2 == 0)
        return await raw_engineio_client(self.process, self.token)


@pytest.mark.parametrize("transport", ["socket.io", "native"])
async def test_many_sockets_closing_at_once_leave_the_process_whole(
    chat: ChatCluster, college: str, enrollments: Enrollments, transport: str
) -> None:
    process = chat.a
    course, section, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await enrollments.put(college, user, course, section)
    room = str(section_room_id(college, section))
    token = chat.token(user, college)
    log_start = process.log_path.stat().st_size
    baseline = await open_websockets(process)

    storm = Storm(transport, process, token)

    graceful = [storm.graceful() for _ in range(GRACEFUL)]
    await asyncio.gather(*(client.connect() for client in graceful))
    await asyncio.gather(*(storm.join(client, room) for client in graceful))
    cut = [await storm.raw(i) for i in range(CUT)]
    silent = [await storm.raw(i) for i in range(SILENT)]
    assert await open_websockets(process) >= baseline + GRACEFUL + CUT + SILENT

    await asyncio.gather(*(storm.say_goodbye(client) for client in graceful))
    for ws in cut:
        ws.transport.abort()  # no close frame, no FIN handshake
    # The silent ones: the server's ping (or auth) timeout closes them itself.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SILENT_CLOSED_WITHIN[transport]
    while (still_open := await open_websockets(process)) > baseline and loop.time() < deadline:
        await asyncio.sleep(0.25)
    for ws in silent:
        ws.transport.abort()
    assert still_open <= baseline, f"{still_open - baseline} sockets never released"

    logged = process.log_path.read_bytes()[log_start:].decode("utf-8", "replace")
    assert not FAULTS.search(logged), logged[-4000:]

    async with storm.graceful() as again:
        assert (await storm.join(again, room))["ok"]
        ack = await storm.send(again, room, "after the storm")
        assert ack["ok"], ack
        await again.wait_for(lambda: again.seqs(room) == [ack["seq"]])
