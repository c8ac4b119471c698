"""infra/kong/kong.yml for the submission service: every endpoint the real app serves is routed
exactly once, to the submission service, behind the jwt, rate-limiting, CORS, request-id and
size-limit plugins; its paths under the assignment service's /assignments prefix (grades,
rubric, the zip) reach it, and the assignment service keeps its own."""

from __future__ import annotations

from lms.submission.config import SubmissionSettings
from lms.submission.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    app_endpoints,
    kong_config,
    routing_problems,
    without_service_plugin,
)


def submission_endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, SubmissionSettings)


def test_the_app_serves_the_rubric_and_bulk_grading_routes() -> None:
    assert {
        ("PUT", "/assignments/{assignment_id}/rubric"), ("GET", "/assignments/{assignment_id}/rubric"),
        ("DELETE", "/assignments/{assignment_id}/rubric"), ("POST", "/assignments/{assignment_id}/grades"),
        ("GET", "/submissions"), ("POST", "/submissions/{submission_id}/grade"),
    } <= submission_endpoints()  # fmt: skip


def test_every_submission_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), submission_endpoints(), service="submission") == []


def test_a_route_without_jwt_is_reported() -> None:
    config = without_service_plugin(kong_config(), "submission", "jwt")
    problems = routing_problems(config, submission_endpoints(), service="submission")
    assert len(problems) == len(submission_endpoints())


def test_the_assignment_service_keeps_its_own_assignment_routes() -> None:
    table = routes(kong_config())
    for method, path in (
        ("GET", "/assignments/a1"), ("PUT", "/assignments/a1"), ("DELETE", "/assignments/a1"),
        ("GET", "/assignments/a1/overrides"), ("GET", "/assignments"),
    ):  # fmt: skip
        assert [r.service for r in matching(table, method, path)] == ["assignment"], path
    for method, path in (
        ("GET", "/assignments/a1/rubric"), ("DELETE", "/assignments/a1/rubric"),
        ("POST", "/assignments/a1/grades"), ("POST", "/assignments/a1/grades/post"),
        ("POST", "/assignments/a1/students/s1/grade"),
    ):  # fmt: skip
        assert [r.service for r in matching(table, method, path)] == ["submission"], path
