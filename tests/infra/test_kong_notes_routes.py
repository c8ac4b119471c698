"""infra/kong/kong.yml for the notes service: every endpoint the real app serves is routed
exactly once, to the notes service, behind the jwt, rate-limiting, CORS, request-id and
size-limit plugins; the OpenAPI is public; browsers may send If-Match and read ETag."""

from __future__ import annotations

from lms.notes.config import NotesSettings
from lms.notes.main import SERVICE
from tests.infra.kong_routes import matching, routes
from tests.infra.kong_service_routes import app_endpoints, kong_config, routing_problems


def notes_endpoints() -> set[tuple[str, str]]:
    return app_endpoints(SERVICE, NotesSettings)


def test_the_app_serves_the_notes_api_the_issue_names() -> None:
    assert notes_endpoints() == {
        ("POST", "/notes"), ("GET", "/notes"), ("GET", "/notes/{note_id}"),
        ("PUT", "/notes/{note_id}"), ("PATCH", "/notes/{note_id}"), ("DELETE", "/notes/{note_id}"),
        ("POST", "/notes/{note_id}/share"), ("GET", "/notes/{note_id}/shares"),
        ("DELETE", "/notes/{note_id}/shares/{share_id}"),
    }  # fmt: skip


def test_every_notes_endpoint_is_routed_once_with_every_protection() -> None:
    assert routing_problems(kong_config(), notes_endpoints(), service="notes") == []


def test_the_openapi_document_is_public_under_docs() -> None:
    found = matching(routes(kong_config()), "GET", "/docs/notes/openapi.json")
    assert [route.name for route in found] == ["notes-openapi"]
    assert found[0].upstream_path("/docs/notes/openapi.json") == "/schema/openapi.json"
    assert "jwt" not in found[0].plugins


def test_browsers_may_send_if_match_and_read_the_etag() -> None:
    [cors] = [p for p in kong_config()["plugins"] if p["name"] == "cors"]
    assert "If-Match" in cors["config"]["headers"]
    assert "ETag" in cors["config"]["exposed_headers"]
