"""Every problem answer names the request it answers, as its X-Request-ID header does: also
the ones Litestar's router raises (404, 405) before any middleware of the app has run."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from dishka import make_async_container
from dishka.integrations.litestar import LitestarProvider
from litestar import get, post
from litestar.params import FromPath, JSONBody
from litestar.testing import AsyncTestClient

from lms_platform.config import ServiceSettings
from lms_platform.http import PrincipalProvider, create_app
from lms_platform.security import TokenVerifier
from lms_platform.security.testing import TokenFactory

MAX_BODY_BYTES = 1024


class Note(msgspec.Struct):
    text: str


@get("/notes/{note_id:int}")
async def read_note(note_id: FromPath[int]) -> dict[str, int]:
    return {"id": note_id}


@post("/notes")
async def write_note(data: JSONBody[Note]) -> dict[str, str]:
    return {"text": data.text}


@pytest.fixture
def factory() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
async def client(factory: TokenFactory) -> Any:
    app = create_app(
        settings=ServiceSettings(
            service_name="request-ids", access_log=False, max_request_body_bytes=MAX_BODY_BYTES
        ),
        route_handlers=[read_note, write_note],
        container=make_async_container(LitestarProvider(), PrincipalProvider()),
        verifier=TokenVerifier(factory.key_source(), issuer="lms-auth", audience="lms"),
        title="request ids",
    )
    async with AsyncTestClient(app) as test_client:
        yield test_client


# (method, path, body, content type, status): the router's own refusals, then the edge's
FRAMEWORK_PROBLEMS = [
    ("GET", "/no-such-route", None, None, 404),
    ("GET", "/notes/not-a-number", None, None, 404),
    ("DELETE", "/notes/1", None, None, 405),
    ("POST", "/notes", b'{"text": "' + b"x" * MAX_BODY_BYTES + b'"}', "application/json", 413),
    ("POST", "/notes", b"text=hello", "text/plain", 415),
    ("GET", "/notes/1", None, None, 401),  # no token
]


@pytest.mark.parametrize(("method", "path", "body", "content_type", "status"), FRAMEWORK_PROBLEMS)
@pytest.mark.parametrize("sent_request_id", ["req-from-client", None])
async def test_a_framework_problem_carries_the_request_id_of_its_header(
    client: Any,
    factory: TokenFactory,
    method: str,
    path: str,
    body: bytes | None,
    content_type: str | None,
    status: int,
    sent_request_id: str | None,
) -> None:
    headers: dict[str, str] = {}
    if status != 401:
        headers["Authorization"] = "Bearer " + factory.mint("u", "c")
    if content_type is not None:
        headers["Content-Type"] = content_type
    if sent_request_id is not None:
        headers["X-Request-ID"] = sent_request_id

    response = await client.request(method, path, content=body, headers=headers)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    header_id = response.headers.get("x-request-id")
    assert header_id, "every answer names its request in X-Request-ID"
    assert response.headers.get_list("x-request-id") == [header_id]  # once, not twice
    assert response.json()["request_id"] == header_id
    if sent_request_id is not None:
        assert header_id == sent_request_id


async def test_each_unrouted_request_gets_its_own_request_id(client: Any) -> None:
    first = await client.get("/no-such-route")
    second = await client.get("/no-such-route")
    assert first.json()["request_id"] != second.json()["request_id"]
