"""Chat's routes in infra/kong/kong.yml, exercised through a real reverse proxy: Traefik (Kong
cannot be installed here) configured from the same route table (``tests.infra.traefik``), in
front of a real ``chat serve`` process. Through it, a native WebSocket client authenticates with
its first frame, joins a room, sends and receives; Socket.IO connects websocket-only and by
polling then upgrade; REST and the OpenAPI (strip_path and the service's path) answer; and what
kong.yml does not route (the internal endpoints, other paths and methods) is the proxy's 404.

What this proves: the chat routes as kong.yml declares them (paths, regexes, methods,
strip_path) carry the WebSocket upgrade and Socket.IO's polling through a real proxy to the
service. What it does not: Kong's own plugins. The jwt plugin on the REST routes, its absence
on the socket routes, rate limiting and CORS are checked by the Kong model tests
(tests/infra/test_kong_*); here the service verifies every token itself, as it does behind Kong.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import httpx
import pytest
import websockets

from lms.chat.domain.rooms import section_room_id
from tests.chat.integration.clients import NativeClient, SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments
from tests.infra.kong_routes import routes
from tests.infra.kong_service_routes import kong_config
from tests.infra.traefik import TraefikProcess, dynamic_config

TRAEFIK_NOT_FOUND = "404 page not found\n"  # the proxy's own answer when no route matches


@pytest.fixture(scope="module")
def proxy(chat_cluster: ChatCluster) -> Iterator[TraefikProcess]:
    """Traefik with every route of kong.yml's chat services, their upstream ``chat:8000``
    replaced by process A."""
    config = kong_config()
    chat_services = {
        service["name"] for service in config["services"]
        if urlparse(service.get("url", "")).hostname == "chat"
    }  # fmt: skip
    assert chat_services == {"chat", "chat-socket", "chat-docs"}
    dynamic = dynamic_config(
        config, routes(config), dict.fromkeys(chat_services, chat_cluster.a.base_url)
    )
    routers = dynamic["http"]["routers"]
    assert {"chat-socketio", "chat-ws", "chat-rooms", "chat-openapi"} <= routers.keys()
    with TraefikProcess(dynamic, routers=routers) as traefik:
        yield traefik


@pytest.fixture
async def course(enrollments: Enrollments, college: str) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("course", "section", "ada", "bob")}
    for user in ("ada", "bob"):
        await enrollments.put(college, ids[user], ids["course"], ids["section"])
    return ids


async def test_a_native_socket_through_the_proxy_authenticates_joins_sends_and_receives(
    chat: ChatCluster, proxy: TraefikProcess, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    ada = NativeClient(proxy.base_url, chat.token(course["ada"], college))
    bob = NativeClient(proxy.base_url, chat.token(course["bob"], college))
    assert ada.url == f"ws://127.0.0.1:{proxy.port}/ws"
    async with ada, bob:
        assert ada.auth_ack is not None and ada.auth_ack["data"]["user_id"] == str(course["ada"])
        for client in (ada, bob):
            joined = await client.call("join", room_id=room)
            assert joined["ok"] and joined["data"]["room_id"] == room, joined
        sent = await ada.call("send", room_id=room, body="through the proxy", client_id="p1")
        assert sent["ok"] and sent["data"]["seq"] == 1, sent
        await bob.wait_for(lambda: bob.seqs(room) == [1])
        reply = await bob.call("send", room_id=room, body="and back")
        assert reply["ok"] and reply["data"]["seq"] == 2, reply
        await ada.wait_for(lambda: ada.seqs(room) == [1, 2])
        await asyncio.sleep(0.3)  # a second copy would have arrived by now
        for client in (ada, bob):
            assert [m["body"] for m in client.messages[room]] == ["through the proxy", "and back"]
        assert ada.messages[room][0]["id"] == sent["data"]["id"]
    assert await chat.scalar(
        "SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room)
    ) == 2  # fmt: skip


@pytest.mark.parametrize(
    "transports", [["websocket"], ["polling", "websocket"]], ids=["websocket-only", "upgrade"]
)
async def test_socketio_through_the_proxy_connects_and_chats_with_a_native_socket(
    chat: ChatCluster, proxy: TraefikProcess, college: str, course: dict[str, uuid.UUID],
    transports: list[str],
) -> None:  # fmt: skip
    room = str(section_room_id(college, course["section"]))
    ada = SocketClient(proxy.base_url, chat.token(course["ada"], college), transports)
    bob = NativeClient(proxy.base_url, chat.token(course["bob"], college))
    async with ada, bob:
        assert ada.sio.transport() == "websocket"  # upgraded through the proxy, or direct
        assert (await ada.call("join", {"room_id": room}))["ok"]
        assert (await bob.call("join", room_id=room))["ok"]
        sent = await ada.call("send", {"room_id": room, "body": "from socket.io"})
        assert sent["ok"] and sent["seq"] == 1, sent
        await bob.wait_for(lambda: bob.seqs(room) == [1])
        assert (await bob.call("send", room_id=room, body="from native"))["ok"]
        await ada.wait_for(lambda: ada.seqs(room) == [1, 2])
        assert [m["body"] for m in ada.messages[room]] == ["from socket.io", "from native"]


async def test_rest_and_the_openapi_answer_through_the_proxy(
    chat: ChatCluster, proxy: TraefikProcess, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(section_room_id(college, course["section"]))
    token = chat.token(course["ada"], college)
    async with httpx.AsyncClient(base_url=proxy.base_url, timeout=10) as client:
        rooms = await client.get("/rooms", headers={"Authorization": f"Bearer {token}"})
        assert rooms.status_code == 200, rooms.text
        assert room in {r["id"] for r in rooms.json()["items"]}
        # The service itself refuses a missing token (behind Kong, the jwt plugin does first).
        assert (await client.get("/rooms")).status_code == 401
        # chat-openapi strips /docs/chat and proxies to the service's /schema.
        openapi = await client.get("/docs/chat/openapi.json")
        assert openapi.status_code == 200, openapi.text
        assert "/rooms" in openapi.json()["paths"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/metrics"),
        ("GET", "/health"),
        ("GET", "/ready"),
        ("GET", "/schema/openapi.json"),
        ("POST", "/ws"),  # chat-ws is GET only
        ("GET", "/ws/extra"),  # ~/ws$ is anchored at both ends
        ("PUT", "/rooms"),
    ],
)
async def test_what_kong_yml_does_not_route_is_a_404_at_the_proxy(
    chat: ChatCluster, proxy: TraefikProcess, method: str, path: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        through = await client.request(method, proxy.base_url + path)
        direct = await client.request(method, chat.a.base_url + path)
    assert (through.status_code, through.text) == (404, TRAEFIK_NOT_FOUND)
    if path in {"/metrics", "/health", "/ready", "/schema/openapi.json"}:
        assert direct.status_code == 200  # the service serves it; the proxy keeps it inside


@pytest.mark.parametrize("path", ["/wsx", "/ws/", "/websocket"])
async def test_a_websocket_upgrade_on_a_path_kong_yml_does_not_route_is_refused(
    chat: ChatCluster, proxy: TraefikProcess, path: str
) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"ws://127.0.0.1:{proxy.port}{path}", open_timeout=10)
    assert refused.value.response.status_code == 404
