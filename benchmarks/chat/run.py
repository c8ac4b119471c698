"""The chat benchmark (docs/benchmarks/chat.md): delivered messages per second, sender-to-
receiver latency and memory per idle connection, for one ``chat serve`` process on socketify,
measured with a real socket load generator on loopback.

It starts PostgreSQL and Redis (as the tests do) and a static JWKS, migrates and seeds a
database (memberships and rooms written directly, no Kafka: the relay and consumers are off),
runs ``python -m lms.chat.main serve`` and drives it with raw WebSocket clients that speak
Engine.IO 4 / Socket.IO 5 themselves (no python-socketio client, which costs several times
more CPU per message than the server's side). Scenarios:

- one room of ``--big-room`` subscribers (default 1000);
- ``--rooms`` rooms (default 100) of 10 subscribers each;
- ``--idle`` idle authenticated connections (default 10 000): server RSS before and after;

each over Socket.IO (``socketio_*``) and over the native protocol on ``/ws`` (``native_*``).

The generator's own CPU time is reported next to the server's. Everything stays on 127.0.0.1
and every phase stops by itself. Usage, from the repo root:
  /work/venv/bin/python -m benchmarks.chat.run [--messages 200] [--senders 4]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.server
import json
import os
import platform
import resource
import statistics
import struct
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import websockets

from lms.chat.domain.rooms import section_room_id
from lms.chat.main import MIGRATIONS_DIR
from lms_platform.persistence import upgrade_to_head
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import PostgresServer, RedisServer, find_free_port

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
COLLEGE = "bench-college"


def serve_jwks(tokens: TokenFactory) -> tuple[str, http.server.ThreadingHTTPServer]:
    body = json.dumps(tokens.jwks).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", find_free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", server


async def seed(dsn: str, sections: dict[uuid.UUID, list[uuid.UUID]]) -> None:
    """Memberships and section rooms as the enrollment consumer would have left them."""
    course = uuid.uuid4()
    now = datetime.now(UTC)
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        await connection.copy_records_to_table(
            "memberships",
            columns=["enrollment_id", "tenant_id", "user_id", "section_id", "course_id", "role",
                     "state", "version", "updated_at"],  # fmt: skip
            records=[
                (uuid.uuid4(), COLLEGE, user, section, course, "student", "active", 1, now)
                for section, users in sections.items()
                for user in users
            ],
        )
        await connection.copy_records_to_table(
            "chat_rooms",
            columns=["id", "tenant_id", "kind", "title", "course_id", "section_id", "last_seq",
                     "body_in_events", "created_at"],  # fmt: skip
            records=[
                (section_room_id(COLLEGE, s), COLLEGE, "section", "bench", course, s, 0, False, now)
                for s in sections
            ],
        )
    finally:
        await connection.close()


class Client:
    """One Socket.IO connection over a raw WebSocket (Engine.IO 4 framing by hand)."""

    def __init__(self, url: str, token: str, stats: Stats) -> None:
        self.url, self.token, self.stats = url, token, stats
        self.ws: Any = None
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_ack = 0
        self._reader: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.url, max_size=2**20, compression=None, ping_interval=None, open_timeout=60
        )
        opened = await self.ws.recv()
        assert opened.startswith("0"), opened
        await self.ws.send("40" + json.dumps({"token": self.token}))
        answer = await self.ws.recv()
        assert answer.startswith("40"), answer
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame == "2":
                    await self.ws.send("3")
                elif frame.startswith("42"):
                    event, data = json.loads(frame[2:])
                    if event == "message":
                        self.stats.delivered(data)
                elif frame.startswith("43"):
                    digits = len(frame) - len(frame[2:].lstrip("0123456789"))
                    ack_id = int(frame[2:digits])
                    future = self._acks.pop(ack_id, None)
                    if future is not None and not future.done():
                        future.set_result(json.loads(frame[digits:])[0])
        except websockets.ConnectionClosed:
            return

    async def call(self, event: str, data: Any) -> Any:
        self._next_ack += 1
        ack_id = self._next_ack
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        await self.ws.send(f"42{ack_id}" + json.dumps([event, data]))
        return await asyncio.wait_for(future, 60)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self.ws.close()


class NativeClient(asyncio.Protocol):
    """One connection of the native protocol on ``/ws`` (JSON text frames, ``auth`` first), on
    a bare asyncio stream with the WebSocket framing done here: the generator must read tens of
    thousands of frames a second on the cores the server also needs, and a full WebSocket
    client's per-frame cost would be what is measured. A pushed ``message`` is counted from its
    first bytes; only acks and the timed messages (one client in ``TIMED_EVERY``) are parsed."""

    TIMED_EVERY = 10
    _MESSAGE = b'{"type":"message"'
    _serial = 0

    def __init__(self, url: str, token: str, stats: Stats) -> None:
        parsed = urlsplit(url)
        self.host, self.port, self.path = parsed.hostname or "", parsed.port or 80, parsed.path
        self.token, self.stats = token, stats
        self._acks: dict[int, asyncio.Future[Any]] = {}
        self._next_ack = 0
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._upgraded: asyncio.Future[bytes] | None = None
        NativeClient._serial += 1
        self._timed = NativeClient._serial % self.TIMED_EVERY == 1  # the first one, and so on

    # asyncio.Protocol: bytes arrive by callback, with no stream reader or task per socket.
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if self._upgraded is not None and not self._upgraded.done():
            head, found, rest = self._buffer.partition(b"\r\n\r\n")
            if not found:
                return
            self._buffer = rest
            self._upgraded.set_result(head)
        self._buffer = self._frames(self._buffer)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        self._upgraded = loop.create_future()
        await loop.create_connection(lambda: self, self.host, self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        assert self._transport is not None
        self._transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )  # fmt: skip
        head = await asyncio.wait_for(self._upgraded, 60)
        assert head.startswith(b"HTTP/1.1 101"), head
        answer = await self._call_frame({"type": "auth", "token": self.token})
        assert answer["ok"], answer

    def _send(self, payload: bytes, opcode: int = 0x1) -> None:
        if self._transport is None:
            return
        mask = os.urandom(4)
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self._transport.write(header + mask + masked)

    def _frames(self, buffer: bytes) -> bytes:
        """Handles every whole frame in ``buffer`` (server frames are never masked); returns
        the rest."""
        at = 0
        while len(buffer) - at >= 2:
            opcode, size = buffer[at] & 0x0F, buffer[at + 1] & 0x7F
            start = at + 2
            if size == 126:
                if len(buffer) - at < 4:
                    break
                size, start = struct.unpack_from("!H", buffer, at + 2)[0], at + 4
            elif size == 127:
                if len(buffer) - at < 10:
                    break
                size, start = struct.unpack_from("!Q", buffer, at + 2)[0], at + 10
            if len(buffer) - start < size:
                break
            payload = buffer[start : start + size]
            at = start + size
            if opcode == 0x9:
                self._send(payload, 0xA)  # pong
            elif opcode == 0x1:
                self._text(payload)
        return buffer[at:]

    def _text(self, payload: bytes) -> None:
        if payload.startswith(self._MESSAGE):
            if self._timed:
                self.stats.delivered(json.loads(payload)["data"])
            else:
                self.stats.counted()
            return
        frame = json.loads(payload)
        if frame.get("type") == "ack":
            future = self._acks.pop(frame["id"], None)
            if future is not None and not future.done():
                data = frame.get("data") if frame["ok"] else frame.get("error")
                future.set_result({"ok": frame["ok"], **(data or {})})

    async def _call_frame(self, frame: dict[str, Any]) -> Any:
        self._next_ack += 1
        ack_id = self._next_ack
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = future
        self._send(json.dumps({**frame, "id": ack_id}).encode())
        return await asyncio.wait_for(future, 60)

    async def call(self, event: str, data: Any) -> Any:
        return await self._call_frame({"type": event, **data})

    async def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._send(struct.pack("!H", 1000), 0x8)
            self._transport.close()


class Stats:
    def __init__(self) -> None:
        self.count = 0
        self.latencies: list[float] = []
        self.last = 0.0

    def counted(self) -> None:
        self.count += 1
        self.last = time.perf_counter()

    def delivered(self, data: dict[str, Any]) -> None:
        now = time.perf_counter()
        self.count += 1
        self.last = now
        body = data.get("body") or ""
        if body.startswith("t="):
            self.latencies.append(now - float(body[2:].split(" ", 1)[0]))


def process_cpu(pid: int) -> float:
    user, system = process_cpu_split(pid)
    return user + system


def process_cpu_split(pid: int) -> tuple[float, float]:
    """User and system CPU seconds of ``pid`` so far (system: the kernel's TCP work)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def process_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


AnyClient = Client | NativeClient


async def connect_all(url: str, tokens: list[str], stats: Stats, batch: int = 200) -> list[AnyClient]:
    kind = NativeClient if url.endswith("/ws") else Client
    clients: list[AnyClient] = []
    for start in range(0, len(tokens), batch):
        group = [kind(url, t, stats) for t in tokens[start : start + batch]]
        await asyncio.gather(*(c.connect() for c in group))
        clients += group
    return clients


async def write_transactions(dsn: str, since: datetime) -> tuple[int, int]:
    """Messages stored since ``since``, and the transactions that stored them (their rows'
    ``xmin``): how many posts the group commit put in one transaction."""
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        row = await connection.fetchrow(
            "SELECT count(*), count(DISTINCT xmin::text) FROM chat_messages WHERE created_at >= $1",
            since,
        )
    finally:
        await connection.close()
    return int(row[0]), int(row[1])


async def fan_out(
    url: str, pid: int, token_of: dict[uuid.UUID, str], sections: dict[uuid.UUID, list[uuid.UUID]],
    messages: int, senders: int, dsn: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Every member joins their room; ``senders`` members per room... spread over the rooms send
    ``messages`` in all, each waiting for its ack; every delivery to every member is counted."""
    stats = Stats()
    members = [(s, u) for s, users in sections.items() for u in users]
    clients = await connect_all(url, [token_of[u] for _, u in members], stats)
    by_room: dict[uuid.UUID, list[AnyClient]] = {}
    for (section, _), client in zip(members, clients, strict=True):
        by_room.setdefault(section, []).append(client)
    for section, group in by_room.items():
        room = str(section_room_id(COLLEGE, section))
        for client in group:
            answer = await client.call("join", {"room_id": room})
            assert answer["ok"], answer
    rooms = list(by_room)
    sender_clients = [(rooms[i % len(rooms)], by_room[rooms[i % len(rooms)]][i // len(rooms)])
                      for i in range(senders)]  # fmt: skip
    expected = sum(len(by_room[r]) for r, _ in sender_clients) * (messages // senders)
    (user, system), cpu_self, began = process_cpu_split(pid), own_cpu(), time.perf_counter()
    began_at = datetime.now(UTC)

    async def send(room: uuid.UUID, client: AnyClient, n: int) -> None:
        for i in range(n):
            answer = await client.call(
                "send", {"room_id": str(section_room_id(COLLEGE, room)),
                         "body": f"t={time.perf_counter():.6f} #{i}"},
            )  # fmt: skip
            assert answer["ok"], answer

    await asyncio.gather(*(send(r, c, messages // senders) for r, c in sender_clients))
    deadline = time.perf_counter() + 60
    while stats.count < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    elapsed = stats.last - began
    result = {
        "subscribers": len(members),
        "rooms": len(rooms),
        "messages_sent": (messages // senders) * senders,
        "deliveries_expected": expected,
        "deliveries": stats.count,
        "seconds": round(elapsed, 3),
        "delivered_per_second": round(stats.count / elapsed) if elapsed > 0 else None,
        "latency_ms_p50": round(statistics.median(stats.latencies) * 1000, 1),
        "latency_ms_p99": round(statistics.quantiles(stats.latencies, n=100)[98] * 1000, 1),
        "server_cpu_seconds": round(process_cpu(pid) - user - system, 2),
        "server_system_cpu_seconds": round(process_cpu_split(pid)[1] - system, 2),
        "generator_cpu_seconds": round(own_cpu() - cpu_self, 2),
    }
    result["server_cpu_ms_per_message"] = round(
        result["server_cpu_seconds"] * 1000 / result["messages_sent"], 2
    )
    if dsn is not None:
        stored, transactions = await write_transactions(dsn, began_at)
        result["messages_stored"], result["write_transactions"] = stored, transactions
    await asyncio.gather(*(c.close() for c in clients))
    return result


async def idle_memory(url: str, pid: int, tokens: list[str]) -> dict[str, Any]:
    await asyncio.sleep(1)
    before = process_rss_mib(pid)
    clients = await connect_all(url, tokens, Stats())
    await asyncio.sleep(2)
    after = process_rss_mib(pid)
    result = {
        "connections": len(clients),
        "server_rss_mib_before": round(before, 1),
        "server_rss_mib_after": round(after, 1),
        "kib_per_connection": round((after - before) * 1024 / len(clients), 1),
    }
    for start in range(0, len(clients), 500):
        await asyncio.gather(*(c.close() for c in clients[start : start + 500]))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--big-room", type=int, default=1000)
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--room-size", type=int, default=10)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs/benchmarks/chat-results.json")
    parser.add_argument("--only", action="append", default=[], help="run only these phases")
    args = parser.parse_args()

    big = {uuid.uuid4(): [uuid.uuid4() for _ in range(args.big_room)]}
    alone = {uuid.uuid4(): [uuid.uuid4()]}  # what sending costs the server, with one delivery
    small = {uuid.uuid4(): [uuid.uuid4() for _ in range(args.room_size)] for _ in range(args.rooms)}
    idle_users = [uuid.uuid4() for _ in range(args.idle)]
    tokens = TokenFactory()
    everyone = [u for users in (*big.values(), *small.values(), *alone.values()) for u in users]
    everyone += idle_users
    token_of = {u: tokens.mint(str(u), COLLEGE, permissions=["chat:participate"]) for u in everyone}

    with PostgresServer() as postgres, RedisServer() as redis:
        dsn = postgres.create_database("chat_bench")
        upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))
        asyncio.run(seed(dsn, {**big, **small, **alone}))
        jwks_url, jwks = serve_jwks(tokens)
        port = find_free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(os.path.abspath(p) for p in sys.path if p),
            "LMS_CHAT_ENVIRONMENT": "benchmark",
            "LMS_CHAT_HTTP_PORT": str(port),
            "LMS_CHAT_DATABASE_URL": to_asyncpg_sqlalchemy_url(dsn),
            "LMS_CHAT_REDIS_URL": redis.url,
            "LMS_CHAT_JWKS_URL": jwks_url,
            "LMS_CHAT_RUN_RELAY": "false",
            "LMS_CHAT_RUN_CONSUMERS": "false",
            "LMS_CHAT_MESSAGES_PER_WINDOW": "1000000",
            "LMS_CHAT_LOG_LEVEL": "WARNING",
            "LMS_CHAT_ACCESS_LOG": "false",
        }
        server = subprocess.Popen([sys.executable, "-m", "lms.chat.main", "serve"], env=env)
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
            native_url = f"ws://127.0.0.1:{port}/ws"
            results: dict[str, Any] = {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "note": "2 cores shared with other sessions; loopback only"},
            }  # fmt: skip
            phases = {
                "socketio_one_room": lambda: fan_out(
                    url, server.pid, token_of, big, args.messages, args.senders, dsn
                ),
                "socketio_many_rooms": lambda: fan_out(
                    url, server.pid, token_of, small, args.messages, args.senders, dsn
                ),
                "socketio_idle": lambda: idle_memory(
                    url, server.pid, [token_of[u] for u in idle_users]
                ),
                "native_send_cost": lambda: fan_out(
                    native_url, server.pid, token_of, alone, args.messages, 1, dsn
                ),
                "native_one_room": lambda: fan_out(
                    native_url, server.pid, token_of, big, args.messages, args.senders, dsn
                ),
                "native_many_rooms": lambda: fan_out(
                    native_url, server.pid, token_of, small, args.messages, args.senders, dsn
                ),
                "native_idle": lambda: idle_memory(
                    native_url, server.pid, [token_of[u] for u in idle_users]
                ),
            }
            for name, phase in phases.items():
                if args.only and name not in args.only:
                    continue
                if server.poll() is not None:
                    raise RuntimeError(f"chat serve exited with {server.returncode}")
                results[name] = asyncio.run(phase())
                print(name, json.dumps(results[name]), flush=True)
        finally:
            server.terminate()
            server.wait(20)
            jwks.shutdown()
    print(json.dumps(results, indent=2))
    args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
