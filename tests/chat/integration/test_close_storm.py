"""Many sockets closing at once on a real ``chat serve`` process: clients that say goodbye,
connections cut without a close, and clients gone silent that the server times out. The
process must let go of every socket, log no fault from socketify's close path, and go on
accepting and delivering (lms_platform.realtime.guards)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

import httpx
import websockets

from lms.chat.domain.rooms import section_room_id
from tests.chat.integration.clients import SocketClient
from tests.chat.integration.conftest import ChatCluster, ChatProcess, Enrollments

GRACEFUL, CUT, SILENT = 12, 12, 8
FAULTS = re.compile(r"InvalidStateError|From cffi callback|Traceback")


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


async def test_many_sockets_closing_at_once_leave_the_process_whole(
    chat: ChatCluster, college: str, enrollments: Enrollments
) -> None:
    process = chat.a
    course, section, user = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await enrollments.put(college, user, course, section)
    room = str(section_room_id(college, section))
    token = chat.token(user, college)
    log_start = process.log_path.stat().st_size
    baseline = await open_websockets(process)

    graceful = [SocketClient(process.base_url, token) for _ in range(GRACEFUL)]
    await asyncio.gather(*(client.connect() for client in graceful))
    await asyncio.gather(*(client.call("join", {"room_id": room}) for client in graceful))
    cut = [await raw_engineio_client(process, token) for _ in range(CUT)]
    silent = [await raw_engineio_client(process, token) for _ in range(SILENT)]
    assert await open_websockets(process) >= baseline + GRACEFUL + CUT + SILENT

    await asyncio.gather(*(client.sio.disconnect() for client in graceful))
    for ws in cut:
        ws.transport.abort()  # no close frame, no FIN handshake
    # The silent ones: the server's ping timeout (1 s + 5 s here) closes them itself.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while (still_open := await open_websockets(process)) > baseline and loop.time() < deadline:
        await asyncio.sleep(0.25)
    for ws in silent:
        ws.transport.abort()
    assert still_open <= baseline, f"{still_open - baseline} sockets never released"

    logged = process.log_path.read_bytes()[log_start:].decode("utf-8", "replace")
    assert not FAULTS.search(logged), logged[-4000:]

    async with SocketClient(process.base_url, token) as again:
        assert (await again.call("join", {"room_id": room}))["ok"]
        ack = await again.call("send", {"room_id": room, "body": "after the storm"})
        assert ack["ok"], ack
        await again.wait_for(lambda: again.seqs(room) == [ack["seq"]])
