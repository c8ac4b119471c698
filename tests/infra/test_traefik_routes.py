"""The proxy that stands in for Kong (``tests.infra.traefik``) is built faithfully from kong.yml:
a real Traefik loads every route of the table, and for one concrete request per route the
upstream receives exactly the path the Kong model says Kong would send (strip_path and the
service URL's path), while a path no route matches is the proxy's 404."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.infra.kong_routes import Route, matching, routes
from tests.infra.kong_service_routes import EXAMPLE_ID, kong_config
from tests.infra.traefik import TraefikProcess, dynamic_config, router_rule


def sample_path(route: Route) -> str:
    """A concrete path the route's first path matches. Below a prefix, not the prefix itself:
    the Kong model drops a trailing slash that Kong (and Traefik) keep."""
    path = route.paths[0]
    if not path.startswith("~"):
        return path.rstrip("/") + "/openapi.json"
    regex = path[1:].removesuffix("$")
    regex = regex.replace("[^/]+", EXAMPLE_ID)
    regex = re.sub(r"\(([^|)]+)(\|[^)]*)?\)", r"\1", regex)  # (a|b) -> a
    return regex.replace("\\", "")


class EchoServer:
    """Answers every request with the path it received."""

    def __init__(self) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def _echo(self) -> None:
                body = self.path.encode()
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _echo  # noqa: N815

            def log_message(self, *_: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def proxied() -> Iterator[tuple[list[Route], TraefikProcess]]:
    config = kong_config()
    table = routes(config)
    echo = EchoServer()
    upstreams = {service["name"]: echo.url for service in config["services"]}
    dynamic = dynamic_config(config, table, upstreams)
    try:
        # Ready only once Traefik reports every router loaded and enabled (its rule parsed).
        with TraefikProcess(dynamic, routers=[route.name for route in table]) as traefik:
            yield table, traefik
    finally:
        echo.close()


def test_the_rules_say_what_kong_yml_says() -> None:
    by_name = {route.name: route for route in routes(kong_config())}
    assert router_rule(by_name["chat-ws"]) == "(PathRegexp(`^/ws$`)) && (Method(`GET`))"
    assert router_rule(by_name["chat-socketio"]) == (
        "(PathPrefix(`/socket.io/`)) && (Method(`GET`) || Method(`OPTIONS`) || Method(`POST`))"
    )


def test_every_route_reaches_its_upstream_with_the_path_kong_would_send(
    proxied: tuple[list[Route], TraefikProcess],
) -> None:
    table, traefik = proxied
    checked = 0
    with httpx.Client(base_url=traefik.base_url, timeout=10) as client:
        for route in table:
            path = sample_path(route)
            method = sorted(route.methods - {"OPTIONS"} or {"GET"})[0]
            assert matching(table, method, path) == [route], (route.name, method, path)
            answer = client.request(method, path)
            assert (answer.status_code, answer.text) == (200, route.upstream_path(path)), (
                route.name, method, path,
            )  # fmt: skip
            checked += 1
    assert checked == len(table) > 50


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/metrics"), ("GET", "/nowhere"), ("DELETE", "/rooms")]
)
def test_a_request_no_route_matches_is_the_proxys_404(
    proxied: tuple[list[Route], TraefikProcess], method: str, path: str
) -> None:
    table, traefik = proxied
    assert matching(table, method, path) == []
    answer = httpx.request(method, traefik.base_url + path, timeout=10)
    assert (answer.status_code, answer.text) == (404, "404 page not found\n")
