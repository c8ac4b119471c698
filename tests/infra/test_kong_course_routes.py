"""infra/kong/kong.yml for the course service: every endpoint the real app serves is routed
exactly once, to the course service, behind the jwt, rate-limiting, CORS, request-id and
size-limit plugins; roster bundles get a larger size limit; the OpenAPI is public."""

from __future__ import annotations

from lms.course.config import CourseSettings
from lms.course.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    app_endpoints,
    kong_config,
    routing_problems,
    without_service_plugin,
)


def course_endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, CourseSettings)


def test_the_app_serves_the_course_api_the_issue_names() -> None:
    assert {
        ("POST", "/courses"), ("GET", "/courses"), ("GET", "/courses/{course_id}"),
        ("PATCH", "/courses/{course_id}"), ("DELETE", "/courses/{course_id}"),
        ("POST", "/batches"), ("GET", "/batches"), ("POST", "/sections"), ("GET", "/sections"),
        ("GET", "/courses/{course_id}/sections"), ("GET", "/sections/{section_id}/enrollments"),
        ("GET", "/me/courses"), ("GET", "/enrollments"),
    } <= course_endpoints()  # fmt: skip


def test_every_course_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), course_endpoints(), service="course") == []


def test_a_course_route_without_jwt_is_reported() -> None:
    config = without_service_plugin(kong_config(), "course", "jwt")
    problems = routing_problems(config, course_endpoints(), service="course")
    assert len(problems) == len(course_endpoints())
    assert all("lacks ['jwt']" in problem for problem in problems)


def test_roster_bundles_may_be_larger_than_the_global_limit() -> None:
    course = next(s for s in kong_config()["services"] if s["name"] == "course")
    route = next(r for r in course["routes"] if r["name"] == "course-roster-imports")
    [limit] = [p for p in route["plugins"] if p["name"] == "request-size-limiting"]
    assert (limit["config"]["allowed_payload_size"], limit["config"]["size_unit"]) == (
        20,
        "megabytes",
    )
    assert CourseSettings().roster_max_bytes == 20 * 1024 * 1024  # the service's own cap agrees


def test_the_openapi_document_is_public_under_docs() -> None:
    found = matching(routes(kong_config()), "GET", "/docs/course/openapi.json")
    assert [route.name for route in found] == ["course-openapi"]
    assert found[0].upstream_path("/docs/course/openapi.json") == "/schema/openapi.json"
    assert "jwt" not in found[0].plugins
