"""Clients of the chat service for tests: its REST API, and a python-socketio client that
records what the server pushes, and a native WebSocket client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import socketio


class ChatApi:
    def __init__(self, base_url: str, token: str) -> None:
        self.client = httpx.AsyncClient(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    async def __aenter__(self) -> ChatApi:
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.client.aclose()

    async def rooms(self) -> list[dict[str, Any]]:
        response = await self.client.get("/rooms")
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def room(self, room_id: str) -> dict[str, Any]:
        return next(r for r in await self.rooms() if r["id"] == room_id)


class SocketClient:
    """``messages[room]`` holds every ``message`` event in arrival order; ``events`` all others."""

    def __init__(self, base_url: str, token: str | None, transports: list[str] | None = None):
        self.base_url, self.token = base_url, token
        self.transports = transports or ["websocket"]
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.events: list[tuple[str, Any]] = []
        self._arrived = asyncio.Condition()
        self.sio.on("message", self._on_message)
        for name in ("error", "removed", "message_changed", "member_muted", "live"):
            self.sio.on(name, self._recorder(name))
        self.sio.on("disconnect", self._recorder("disconnect"))

    async def _on_message(self, data: dict[str, Any]) -> None:
        self.messages.setdefault(data["room_id"], []).append(data)
        async with self._arrived:
            self._arrived.notify_all()

    def _recorder(self, name: str) -> Any:
        async def record(*data: Any) -> None:
            self.events.append((name, data[0] if data else None))
            async with self._arrived:
                self._arrived.notify_all()

        return record

    async def connect(self) -> SocketClient:
        auth = {"token": self.token} if self.token is not None else None
        await self.sio.connect(
            self.base_url, auth=auth, transports=self.transports, wait_timeout=10
        )
        return self

    async def __aenter__(self) -> SocketClient:
        return await self.connect()

    async def __aexit__(self, *_: Any) -> None:
        await self.sio.disconnect()

    async def call(self, event: str, data: Any = None) -> Any:
        return await self.sio.call(event, data, timeout=10)

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async def until() -> None:
            async with self._arrived:
                await self._arrived.wait_for(predicate)

        await asyncio.wait_for(until(), timeout)

    def seqs(self, room_id: str) -> list[int]:
        return [m["seq"] for m in self.messages.get(room_id, [])]

    def named(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]


class NativeClient:
    """The native WebSocket (``/ws``) with a plain ``websockets`` client: ``call`` sends a frame
    with a fresh correlation id and returns its ack; ``messages[room]`` and ``events`` record the
    server's events as ``SocketClient`` does."""

    def __init__(self, base_url: str, token: str | None) -> None:
        self.url = base_url.replace("http://", "ws://") + "/ws"
        self.token = token
        self.ws: Any = None
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.events: list[tuple[str, Any]] = []
        self.acks: dict[Any, dict[str, Any]] = {}
        self.auth_ack: dict[str, Any] | None = None
        self._ids = 0
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> NativeClient:
        """Connected, nothing sent yet."""
        import websockets

        self.ws = await websockets.connect(self.url, open_timeout=10)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def connect(self) -> NativeClient:
        await self.open()
        self.auth_ack = await self.call("auth", token=self.token)
        assert self.auth_ack["ok"], self.auth_ack
        return self

    async def __aenter__(self) -> NativeClient:
        return await self.connect()

    async def __aexit__(self, *_: Any) -> None:
        await self.ws.close()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        import websockets

        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                if frame["type"] == "ack":
                    self.acks[frame["id"]] = frame
                elif frame["type"] == "message":
                    self.messages.setdefault(frame["data"]["room_id"], []).append(frame["data"])
                else:
                    self.events.append((frame["type"], frame.get("data")))
                async with self._arrived:
                    self._arrived.notify_all()
        except websockets.ConnectionClosed:
            pass
        async with self._arrived:
            self._arrived.notify_all()

    async def send_raw(self, raw: str | bytes) -> None:
        await self.ws.send(raw)

    async def call(self, kind: str, **fields: Any) -> dict[str, Any]:
        self._ids += 1
        correlation = f"c{self._ids}"
        await self.ws.send(json.dumps({"type": kind, "id": correlation, **fields}))
        await self.wait_for(lambda: correlation in self.acks or self.closed)
        assert correlation in self.acks, f"closed before the ack: {self.ws.close_code}"
        return self.acks.pop(correlation)

    @property
    def closed(self) -> bool:
        return self._reader is not None and self._reader.done()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async def until() -> None:
            async with self._arrived:
                await self._arrived.wait_for(lambda: predicate() or self.closed)

        await asyncio.wait_for(until(), timeout)

    def seqs(self, room_id: str) -> list[int]:
        return [m["seq"] for m in self.messages.get(room_id, [])]

    def named(self, name: str) -> list[Any]:
        return [data for event, data in self.events if event == name]
