"""infra/kong/kong.yml for the auth service: every endpoint the real app serves is routed exactly
once; the service's public paths (credential exchanges, JWKS) are rate-limited per address and
carry no jwt plugin; everything else is behind the same jwt set-up as the user routes."""

from __future__ import annotations

import copy
import re
from collections.abc import Set
from typing import Any

import pytest

from lms.auth.adapters.http.controllers import PUBLIC_PATHS
from lms.auth.config import AuthSettings
from lms.auth.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    PROTECTED_ROUTE_PLUGINS,
    app_endpoints,
    concrete,
    kong_config,
)
from tests.infra.kong_service_routes import routing_problems as service_routing_problems
from tests.infra.test_kong_config import plugin

PUBLIC_ROUTE_PLUGINS = {"rate-limiting", "cors", "correlation-id", "request-size-limiting"}
# Routes the gateway keeps public for endpoints the issue names, before or after they exist.
NAMED_PUBLIC = [
    "/auth/login",
    "/auth/refresh",
    "/auth/logout",
    "/auth/signup",
    "/auth/password-reset",
    "/auth/password-reset/confirm",
    "/auth/verify-email",
    "/auth/invitations/accept",
    "/auth/api-key/token",
]


def auth_endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, AuthSettings)


def is_public(path: str) -> bool:
    return any(re.match(pattern, path) for pattern in PUBLIC_PATHS)


def wanted_plugins(path: str) -> Set[str]:
    return PUBLIC_ROUTE_PLUGINS if is_public(path) else PROTECTED_ROUTE_PLUGINS


def routing_problems(config: dict[str, Any], endpoints: set[tuple[str, str]]) -> list[str]:
    """As for any service (to one of the auth services, with the plugins its path wants), and no
    public path behind a route that demands a JWT."""
    problems = service_routing_problems(
        config,
        endpoints,
        service=lambda name: name.startswith("auth"),
        required_plugins=wanted_plugins,
    )
    table = routes(config)
    for method, template in sorted(endpoints):
        path = concrete(template)
        if is_public(path):
            problems += [
                f"{method} {template}: public, but route {route.name} demands a JWT"
                for route in matching(table, method, path)
                if "jwt" in route.plugins
            ]
    return problems


def test_the_app_serves_the_core_auth_api() -> None:
    assert {
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("POST", "/auth/logout"),
        ("GET", "/.well-known/jwks.json"),
        ("POST", "/colleges"),
        ("POST", "/signing-keys/rotate"),
        ("GET", "/audit-events"),
    } <= auth_endpoints()


def test_every_auth_endpoint_is_routed_once_with_the_right_protection() -> None:
    assert routing_problems(kong_config(), auth_endpoints()) == []


def test_a_public_path_behind_the_jwt_route_is_reported() -> None:
    config = copy.deepcopy(kong_config())
    public = next(s for s in config["services"] if s["name"] == "auth-public")
    public["plugins"].append({"name": "jwt", "config": {"key_claim_name": "kid"}})
    problems = routing_problems(config, {("POST", "/auth/login")})
    assert problems == ["POST /auth/login: public, but route auth-credentials demands a JWT"]


def test_an_admin_route_without_jwt_is_reported() -> None:
    config = copy.deepcopy(kong_config())
    admin = next(s for s in config["services"] if s["name"] == "auth")
    admin["plugins"] = [p for p in admin["plugins"] if p["name"] != "jwt"]
    assert routing_problems(config, {("POST", "/colleges")}) == [
        "POST /colleges: route auth-api lacks ['jwt']"
    ]


@pytest.mark.parametrize("path", NAMED_PUBLIC)
def test_credential_exchanges_are_public_and_limited_per_address(path: str) -> None:
    [route] = matching(routes(kong_config()), "POST", path)
    assert route.name == "auth-credentials"
    assert "jwt" not in route.plugins
    limit = plugin(kong_config(), "rate-limiting", service="auth-public")["config"]
    assert limit["limit_by"] == "ip"
    # Tighter than the API's limit: each login costs a password hash.
    api_limit = plugin(kong_config(), "rate-limiting", service="auth")["config"]
    assert limit["minute"] < api_limit["minute"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_credential_routes_take_post_only(method: str) -> None:
    assert matching(routes(kong_config()), method, "/auth/login") == []


def test_the_jwks_is_public_and_cached_at_the_edge() -> None:
    [route] = matching(routes(kong_config()), "GET", "/.well-known/jwks.json")
    assert "jwt" not in route.plugins
    assert {"proxy-cache", "rate-limiting"} <= route.plugins
    cache = plugin(kong_config(), "proxy-cache", service="auth-jwks")["config"]
    assert cache["cache_ttl"] <= 60  # a rotated-in key must be public within a minute
    assert matching(routes(kong_config()), "GET", "/.well-known/jwks.jsonx") == []


@pytest.mark.parametrize(
    "path",
    ["/auth/session", "/auth/loginx", "/colleges-x", "/auth/password-reset/a/b", "/accountsx"],
)
def test_near_misses_are_not_routed(path: str) -> None:
    assert matching(routes(kong_config()), "POST", path) == []


def test_auth_jwt_plugin_is_configured_like_the_user_one() -> None:
    auth_jwt = plugin(kong_config(), "jwt", service="auth")["config"]
    assert auth_jwt == plugin(kong_config(), "jwt", service="user")["config"]


def test_the_openapi_document_is_public_under_docs() -> None:
    [route] = matching(routes(kong_config()), "GET", "/docs/auth/openapi.json")
    assert route.upstream_path("/docs/auth/openapi.json") == "/schema/openapi.json"
    assert "jwt" not in route.plugins
