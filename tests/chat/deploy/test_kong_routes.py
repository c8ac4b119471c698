"""infra/kong/kong.yml for the chat service: every REST endpoint the real app serves is routed
exactly once, to the chat service, behind the jwt, rate-limiting, CORS, request-id and
size-limit plugins; Socket.IO (polling and the WebSocket upgrade) and the native WebSocket
(``/ws``) have routes of their own, on which Kong proxies the upgrade and the service checks the
token from the Socket.IO auth payload or the native first frame (the refusals are in
tests/chat/integration/test_live.py and test_native.py); the OpenAPI and AsyncAPI are public."""

from __future__ import annotations

from typing import Any

from lms.chat.adapters.http.asyncapi import ASYNCAPI_PATH
from lms.chat.adapters.realtime.native import IDLE_TIMEOUT_SECONDS, NATIVE_PATH
from lms.chat.config import ChatSettings
from lms.chat.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    PROTECTED_ROUTE_PLUGINS,
    app_endpoints,
    kong_config,
    routing_problems,
    without_service_plugin,
)

SOCKET_PATH = "/socket.io/"


def kong_service(config: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in config["services"] if s["name"] == name)


def endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, ChatSettings)


def test_the_app_serves_the_chat_api() -> None:
    assert endpoints() == {
        ("GET", "/rooms"), ("POST", "/rooms"), ("GET", "/rooms/{room_id}/messages"),
        ("POST", "/rooms/{room_id}/messages"), ("POST", "/rooms/{room_id}/read"),
        ("POST", "/rooms/{room_id}/mutes"), ("PATCH", "/messages/{message_id}"),
        ("DELETE", "/messages/{message_id}"),
    }  # fmt: skip


def test_every_rest_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), endpoints(), service="chat") == []


def test_a_rest_route_without_jwt_is_reported() -> None:
    config = without_service_plugin(kong_config(), "chat", "jwt")
    problems = routing_problems(config, endpoints(), service="chat")
    assert len(problems) == len(endpoints())
    assert all("lacks ['jwt']" in problem for problem in problems)


def test_socketio_polling_and_the_upgrade_have_one_route_to_the_same_listener() -> None:
    config = kong_config()
    table = routes(config)
    for method in ("GET", "POST", "OPTIONS"):  # the upgrade is a GET; polling sends are POSTs
        (route,) = matching(table, method, SOCKET_PATH)
        assert (route.name, route.service) == ("chat-socketio", "chat-socket")
        # Nothing stripped and no service path: Kong forwards /socket.io/?EIO=... as it came.
        assert not route.strip_path and route.service_path == "/"
    assert kong_service(config, "chat-socket")["url"] == kong_service(config, "chat")["url"]


def test_the_socket_route_is_protected_at_the_edge_except_for_the_header_token() -> None:
    # A browser's WebSocket cannot carry an Authorization header: the service verifies the token
    # of the Socket.IO auth payload and refuses the connection without one.
    (route,) = matching(routes(kong_config()), "GET", SOCKET_PATH)
    assert PROTECTED_ROUTE_PLUGINS - route.plugins == {"jwt"}


def test_kong_proxies_the_upgrade_and_keeps_long_polls_and_sockets_open() -> None:
    config = kong_config()
    service = kong_service(config, "chat-socket")
    (route,) = (r for r in service["routes"] if r["name"] == "chat-socketio")
    # Kong proxies "Connection: Upgrade" on http(s) routes; ws/wss routes are Enterprise only.
    assert set(route["protocols"]) == {"http", "https"}
    assert not {"request-transformer", "response-transformer"} & {
        p["name"] for p in service.get("plugins", []) + route.get("plugins", [])
    }
    # A long poll is held for up to the ping interval; a silent socket is dropped after the
    # interval plus the timeout. Kong must not cut either sooner.
    interval = ChatSettings().socket_ping_interval_seconds
    silent_for = interval + max(5.0, interval)
    assert min(service["read_timeout"], service["write_timeout"]) > silent_for * 1000
    # A retried long poll or send would be a second request the client did not make.
    assert service["retries"] == 0


def test_the_openapi_document_is_public_under_docs() -> None:
    (route,) = matching(routes(kong_config()), "GET", "/docs/chat/openapi.json")
    assert route.service == "chat-docs" and "jwt" not in route.plugins
    assert route.upstream_path("/docs/chat/openapi.json") == "/schema/openapi.json"


def test_the_native_websocket_has_one_route_to_the_socket_service() -> None:
    table = routes(kong_config())
    (route,) = matching(table, "GET", NATIVE_PATH)
    assert (route.name, route.service) == ("chat-ws", "chat-socket")
    assert not route.strip_path and route.service_path == "/"
    assert route.upstream_path(NATIVE_PATH) == NATIVE_PATH
    assert PROTECTED_ROUTE_PLUGINS - route.plugins == {"jwt"}  # the token is the first frame
    assert matching(table, "GET", NATIVE_PATH + "x") == []
    assert matching(table, "POST", NATIVE_PATH) == []


def test_a_quiet_native_socket_is_pinged_before_kong_cuts_it() -> None:
    service = kong_service(kong_config(), "chat-socket")
    assert min(service["read_timeout"], service["write_timeout"]) > IDLE_TIMEOUT_SECONDS * 1000


def test_the_asyncapi_document_is_public_under_docs() -> None:
    (route,) = matching(routes(kong_config()), "GET", "/docs/chat/asyncapi.yaml")
    assert route.service == "chat-docs" and "jwt" not in route.plugins
    assert route.upstream_path("/docs/chat/asyncapi.yaml") == ASYNCAPI_PATH
