"""infra/kong/kong.yml for the search service: every endpoint the real app serves is routed
exactly once, to the search service, behind the jwt, rate-limiting, CORS, request-id and
size-limit plugins; the rebuild has a tighter limit; the OpenAPI is public."""

from __future__ import annotations

from lms.search.config import SearchSettings
from lms.search.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import (
    app_endpoints,
    kong_config,
    routing_problems,
    without_service_plugin,
)


def search_endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, SearchSettings)


def test_the_app_serves_the_search_api_the_issue_names() -> None:
    assert search_endpoints() == {
        ("POST", "/search"), ("GET", "/search/users"), ("GET", "/search/courses"),
        ("GET", "/search/assignments"), ("GET", "/search/notes"), ("POST", "/search/index"),
    }  # fmt: skip


def test_every_search_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), search_endpoints(), service="search") == []


def test_a_search_route_without_jwt_is_reported() -> None:
    config = without_service_plugin(kong_config(), "search", "jwt")
    problems = routing_problems(config, search_endpoints(), service="search")
    assert len(problems) == len(search_endpoints())
    assert all("lacks ['jwt']" in problem for problem in problems)


def test_the_rebuild_is_limited_more_tightly_than_searches() -> None:
    service = next(s for s in kong_config()["services"] if s["name"] == "search")
    route = next(r for r in service["routes"] if r["name"] == "search-rebuild")
    [limit] = [p for p in route["plugins"] if p["name"] == "rate-limiting"]
    [general] = [p for p in service["plugins"] if p["name"] == "rate-limiting"]
    assert limit["config"]["minute"] < general["config"]["minute"]


def test_near_misses_are_not_routed_to_search() -> None:
    table = routes(kong_config())
    for method, path in [("GET", "/search/note"), ("GET", "/search"), ("POST", "/search/x")]:
        assert all(r.service != "search" for r in matching(table, method, path)), path


def test_the_openapi_document_is_public_under_docs() -> None:
    found = matching(routes(kong_config()), "GET", "/docs/search/openapi.json")
    assert [route.name for route in found] == ["search-openapi"]
    assert found[0].upstream_path("/docs/search/openapi.json") == "/schema/openapi.json"
    assert "jwt" not in found[0].plugins
