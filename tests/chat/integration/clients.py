"""Clients of the chat service for tests: its REST API, and a python-socketio client that
records what the server pushes."""

from __future__ import annotations

import asyncio
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
        for name in ("error", "removed", "message_changed", "member_muted"):
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
