"""infra/kong/kong.yml for the notification service: every endpoint the real app serves is
routed exactly once, to the notification service, behind the jwt, rate-limiting, CORS,
request-id and size-limit plugins, with a CORS preflight route; the OpenAPI is public."""

from __future__ import annotations

from lms.notification.config import NotificationSettings
from lms.notification.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    app_endpoints,
    kong_config,
    routing_problems,
    without_service_plugin,
)


def endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, NotificationSettings)


def test_the_app_serves_the_routes_the_issue_names() -> None:
    assert {
        ("GET", "/me/notification-preferences"), ("PUT", "/me/notification-preferences"),
        ("GET", "/me/notifications"), ("POST", "/me/notifications/{notification_id}/read"),
        ("GET", "/notifications"), ("POST", "/me/push-subscriptions"),
    } <= endpoints()  # fmt: skip


def test_every_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), endpoints(), service="notification") == []


def test_a_route_without_jwt_is_reported() -> None:
    config = without_service_plugin(kong_config(), "notification", "jwt")
    problems = routing_problems(config, endpoints(), service="notification")
    assert len(problems) == len(endpoints())
    assert all("lacks ['jwt']" in problem for problem in problems)


def test_the_openapi_document_is_public_under_docs() -> None:
    table = routes(kong_config())
    (route,) = matching(table, "GET", "/docs/notification")
    assert route.service == "notification-docs" and "jwt" not in route.plugins
    assert route.upstream_path("/docs/notification") == "/schema"
