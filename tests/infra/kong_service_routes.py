"""What every service's kong.yml test shares: the endpoints its real app serves, and every way
kong.yml fails to route each of them exactly once, to that service, unchanged, behind the plugins
it needs, with a CORS preflight route."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Set
from typing import Any

from lms_platform.config import ServiceSettings
from lms_platform.runtime import ServiceRuntime, ServiceSpec
from tests.infra.deploy_files import KONG_CONFIG, load_yaml
from tests.infra.kong_routes import matching, routes

PROTECTED_ROUTE_PLUGINS = frozenset(
    {"jwt", "rate-limiting", "cors", "correlation-id", "request-size-limiting"}
)
# Served by the platform app factory for orchestrators and Prometheus only.
INTERNAL_PREFIXES = ("/health", "/ready", "/metrics", "/schema")
EXAMPLE_ID = "0b9a3a4e-7f1c-4a57-9d35-3f1f2f0c8e11"


def kong_config() -> dict[str, Any]:
    config: dict[str, Any] = load_yaml(KONG_CONFIG)
    return config


def concrete(template: str) -> str:
    return re.sub(r"\{\w+\}", EXAMPLE_ID, template)


def app_endpoints(
    spec: ServiceSpec, settings_type: Callable[..., ServiceSettings]
) -> set[tuple[str, str]]:
    """(method, path template) of every handler of the service's real app, internal ones aside.
    Building the app connects to nothing, so the servers named here need not exist."""
    settings = settings_type(
        environment="test",
        database_url="postgresql+asyncpg://nobody@127.0.0.1:9/none",
        redis_url="redis://127.0.0.1:9/0",
    )
    app = ServiceRuntime(spec, settings).http_app()
    endpoints = set()
    for route in app.routes:
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
        if path.startswith(INTERNAL_PREFIXES):
            continue
        for method in getattr(route, "methods", ()):
            if method not in {"OPTIONS", "HEAD"}:
                endpoints.add((method, path))
    return endpoints


def routing_problems(
    config: dict[str, Any],
    endpoints: Set[tuple[str, str]],
    *,
    service: str | Callable[[str], bool],
    required_plugins: Callable[[str], Set[str]] = lambda path: PROTECTED_ROUTE_PLUGINS,
) -> list[str]:
    """Every way ``config`` fails to route ``endpoints``; ``service`` is the Kong service's name
    (or a test of it), ``required_plugins`` what a route to a concrete path must run."""
    ours = (lambda name: name == service) if isinstance(service, str) else service
    table = routes(config)
    problems = []
    for method, template in sorted(endpoints):
        path = concrete(template)
        found = matching(table, method, path)
        if len(found) != 1:
            problems.append(
                f"{method} {template}: matched by {[r.name for r in found]}, want exactly one route"
            )
            continue
        route = found[0]
        if not ours(route.service):
            problems.append(f"{method} {template}: routed to {route.service}")
        if route.upstream_path(path) != path:
            problems.append(f"{method} {template}: proxied to {route.upstream_path(path)}")
        if missing := required_plugins(path) - route.plugins:
            problems.append(f"{method} {template}: route {route.name} lacks {sorted(missing)}")
        # The browser's CORS preflight must reach Kong's cors plugin on the same route.
        if not matching(table, "OPTIONS", path):
            problems.append(f"OPTIONS {template}: no route, CORS preflight would 404")
    return problems


def without_service_plugin(config: dict[str, Any], service: str, plugin: str) -> dict[str, Any]:
    """A copy of ``config`` in which Kong service ``service`` no longer runs ``plugin``."""
    changed = copy.deepcopy(config)
    target = next(s for s in changed["services"] if s["name"] == service)
    target["plugins"] = [p for p in target["plugins"] if p["name"] != plugin]
    return changed
