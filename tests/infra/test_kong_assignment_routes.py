"""infra/kong/kong.yml for the assignment service: every endpoint the real app serves is routed
exactly once, to the assignment service, behind the jwt, rate-limiting, CORS, request-id and
size-limit plugins (a course's late policy beside the course service's /courses routes); the
OpenAPI is public."""

from __future__ import annotations

from lms.assignment.config import AssignmentSettings
from lms.assignment.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    app_endpoints,
    kong_config,
    routing_problems,
    without_service_plugin,
)


def assignment_endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, AssignmentSettings)


def test_the_app_serves_the_assignment_api_the_issue_names() -> None:
    assert {
        ("POST", "/assignments"), ("GET", "/assignments/{assignment_id}"),
        ("PUT", "/assignments/{assignment_id}"), ("PATCH", "/assignments/{assignment_id}"),
        ("DELETE", "/assignments/{assignment_id}"),
        ("GET", "/assignments/{assignment_id}/late-policy/preview"),
    } <= assignment_endpoints()  # fmt: skip


def test_every_assignment_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), assignment_endpoints(), service="assignment") == []


def test_a_route_without_jwt_is_reported() -> None:
    config = without_service_plugin(kong_config(), "assignment", "jwt")
    problems = routing_problems(config, assignment_endpoints(), service="assignment")
    assert len(problems) == len(assignment_endpoints())
    assert all("lacks ['jwt']" in problem for problem in problems)


def test_the_course_service_keeps_its_own_course_routes() -> None:
    table = routes(kong_config())
    for path in ("/courses/c1", "/courses/c1/sections", "/courses/c1/modules"):
        assert [r.service for r in matching(table, "GET", path)] == ["course"], path
    assert [r.service for r in matching(table, "GET", "/courses/c1/late-policy")] == ["assignment"]


def test_the_openapi_document_is_public_under_docs() -> None:
    found = matching(routes(kong_config()), "GET", "/docs/assignment/openapi.json")
    assert [route.name for route in found] == ["assignment-openapi"]
    assert found[0].upstream_path("/docs/assignment/openapi.json") == "/schema/openapi.json"
    assert "jwt" not in found[0].plugins
