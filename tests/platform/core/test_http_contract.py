"""The platform's API contract: what every service's OpenAPI says, and that the edge does it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import msgspec
from dishka import make_async_container
from dishka.integrations.litestar import LitestarProvider
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.testing import AsyncTestClient

from lms_platform.config import ServiceSettings
from lms_platform.http import PrincipalProvider, create_app
from lms_platform.http.openapi import (
    NUL_PATTERN,
    declared_statuses,
    documented,
    problems,
    raw_body,
)
from lms_platform.security import TokenVerifier
from lms_platform.security.testing import TokenFactory

Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=8), documented(enum=["a", "b"])]


class Thing(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=20)]
    tags: Annotated[list[Tag], msgspec.Meta(max_length=3)] = msgspec.field(default_factory=list)
    count: Annotated[int, msgspec.Meta(ge=0)] = 0
    limit: Annotated[int, msgspec.Meta(ge=0)] | None = None
    active: bool = True


class ThingPatch(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    tags: Annotated[list[Tag], msgspec.Meta(max_length=3)] | msgspec.UnsetType = msgspec.UNSET


class Lenient(msgspec.Struct):
    note: str


Key = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern="^[a-z]+$")]
Points = Annotated[int, msgspec.Meta(ge=0)]


class Scores(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    points: Annotated[dict[Key, Points], msgspec.Meta(min_length=1, max_length=3)]
    notes: Annotated[dict[Key, str], msgspec.Meta(max_length=2)] | None = None
    kinds: dict[Literal["x", "y"], int] = msgspec.field(default_factory=dict)
    later: Annotated[dict[str, int], msgspec.Meta(min_length=1)] | msgspec.UnsetType = msgspec.UNSET
    pages: list[Annotated[dict[Key, Points], msgspec.Meta(max_length=2)]] = msgspec.field(
        default_factory=list
    )


class ThingController(Controller):
    path = "/things"

    @post("/", responses=problems(409))
    async def create(self, data: JSONBody[Thing]) -> Thing:
        return data

    @get("/")
    async def search(
        self,
        kind: Annotated[Literal["x", "y"] | None, QueryParameter()] = None,
        since: Annotated[datetime | None, QueryParameter()] = None,
        q: Annotated[str | None, QueryParameter(max_length=10)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=5)] = 1,
    ) -> dict[str, Any]:
        return {"kind": kind, "since": since.isoformat() if since else None, "q": q}

    @post("/patch")
    async def patch_thing(self, data: JSONBody[ThingPatch]) -> None:
        return None

    @post("/scores", status_code=200)
    async def score(self, data: JSONBody[Scores]) -> Scores:
        return data

    @get("/{thing_id:uuid}")
    async def read(self, thing_id: FromPath[UUID]) -> Lenient:
        return Lenient(note=str(thing_id))

    @post(
        "/upload",
        status_code=202,
        operation_class=raw_body("text/csv", description="a CSV file"),
    )
    async def upload(self, request: Request[Any, Any, Any]) -> None:
        await request.body()


@get("/open")
async def open_route() -> dict[str, str]:
    return {"open": "yes"}


def _app(factory: TokenFactory) -> Any:
    return create_app(
        settings=ServiceSettings(service_name="contracttest", access_log=False),
        route_handlers=[ThingController, open_route],
        container=make_async_container(LitestarProvider(), PrincipalProvider()),
        verifier=TokenVerifier(factory.key_source(), issuer="lms-auth", audience="lms"),
        title="test",
        public_paths=["^/open$"],
    )


def _document() -> dict[str, Any]:
    return dict(_app(TokenFactory()).openapi_schema.to_schema())


def test_every_operation_declares_the_problems_the_edge_can_answer() -> None:
    app = _app(TokenFactory())
    statuses = declared_statuses(app.openapi_schema)
    assert statuses["/things"]["POST"] == {201, 400, 401, 409, 413, 415, 422}
    assert statuses["/things"]["GET"] == {200, 400, 401}
    assert statuses["/things/{thing_id}"]["GET"] == {200, 400, 401, 404}
    assert statuses["/things/upload"]["POST"] == {202, 400, 401, 413, 415, 422}
    assert statuses["/open"]["GET"] == {200}  # public, no parameters: nothing can go wrong
    assert statuses["/ready"]["GET"] == {200, 503}
    document = app.openapi_schema.to_schema()
    for path, item in document["paths"].items():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if 400 <= int(status) < 500:
                    assert list(response["content"]) == ["application/problem+json"], path
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ProblemDetails"}
    assert document["components"]["schemas"]["ProblemDetails"]["required"] == [
        "status",
        "title",
        "type",
    ]


def test_public_routes_declare_no_security_and_the_others_a_bearer_token() -> None:
    paths = _document()["paths"]
    for public in ("/health", "/ready", "/metrics", "/open"):
        assert paths[public]["get"]["security"] == [], public
    assert "security" not in paths["/things"]["post"]  # the document's default: a bearer token
    assert paths["/metrics"]["get"]["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }


def test_request_schemas_say_what_decoding_enforces() -> None:
    schemas = _document()["components"]["schemas"]
    thing = schemas["Thing"]
    assert thing["additionalProperties"] is False
    assert "additionalProperties" not in schemas["Lenient"]  # it accepts unknown fields
    tags = thing["properties"]["tags"]
    assert tags["items"]["enum"] == ["a", "b"] and tags["items"]["maxLength"] == 8
    assert thing["properties"]["count"]["minimum"] == 0  # Litestar drops a zero bound
    limit = thing["properties"]["limit"]["oneOf"][0]
    assert limit == {"type": "integer", "minimum": 0}
    assert thing["properties"]["name"]["not"] == {"type": "string", "pattern": NUL_PATTERN}
    # An UNSET-able list (a PATCH field) keeps its items' constraints inside the oneOf.
    [patched] = schemas["ThingPatch"]["properties"]["tags"]["oneOf"]
    assert patched["items"]["enum"] == ["a", "b"] and patched["items"]["minLength"] == 1


def test_mapping_schemas_bound_their_entries_and_keys_as_decoding_does() -> None:
    properties = _document()["components"]["schemas"]["Scores"]["properties"]
    names = {"minLength": 1, "maxLength": 8, "pattern": "^[a-z]+$"}
    nul_free = {"not": {"type": "string", "pattern": NUL_PATTERN}}
    # A mapping's size is its number of entries (minProperties), never a string's length.
    assert properties["points"] == {
        "type": "object",
        "minProperties": 1,
        "maxProperties": 3,
        "propertyNames": names | nul_free,
        "additionalProperties": {"type": "integer", "minimum": 0},
    }
    [notes, _null] = properties["notes"]["oneOf"]
    assert notes["maxProperties"] == 2 and "maxLength" not in notes
    assert notes["propertyNames"] == names | nul_free
    assert properties["kinds"]["propertyNames"] == {"enum": ["x", "y"]}
    later = properties["later"]
    assert "minLength" not in json.dumps(later) and later["minProperties"] == 1
    assert later["oneOf"][0]["propertyNames"] == nul_free  # any text but NUL (the edge's 400)
    page = properties["pages"]["items"]
    assert page["maxProperties"] == 2 and "maxLength" not in page
    assert page["additionalProperties"] == {"type": "integer", "minimum": 0}
    assert page["propertyNames"] == names | nul_free


async def test_mapping_bodies_are_refused_as_their_schema_says() -> None:
    factory = TokenFactory()
    headers = {"Authorization": "Bearer " + factory.mint("u", "c")}
    async with AsyncTestClient(_app(factory)) as client:

        async def score(body: dict[str, Any]) -> int:
            return (await client.post("/things/scores", json=body, headers=headers)).status_code

        assert await score({"points": {"a": 1}, "kinds": {"x": 1}, "later": {"": 2}}) == 200
        refused_bodies: list[dict[str, Any]] = [
            {"points": {}},  # minProperties
            {"points": {"a": 1, "b": 1, "c": 1, "d": 1}},  # maxProperties
            {"points": {"A": 1}},  # propertyNames: pattern
            {"points": {"abcdefghi": 1}},  # propertyNames: maxLength
            {"points": {"a": -1}},  # additionalProperties: minimum
            {"points": {"a": 1}, "kinds": {"z": 1}},  # propertyNames: enum
            {"points": {"a": 1}, "later": {}},  # minProperties of an UNSET-able mapping
            {"points": {"a": 1}, "later": {"a\u0000": 1}},  # propertyNames: no NUL
        ]
        for refused in refused_bodies:
            assert await score(refused) == 400, refused


def test_optional_query_parameters_are_left_out_never_null() -> None:
    parameters = {
        p["name"]: p["schema"] for p in _document()["paths"]["/things"]["get"]["parameters"]
    }
    assert parameters["kind"]["enum"] == ["x", "y"] and parameters["kind"]["type"] == "string"
    assert parameters["since"] == {"type": "string", "format": "date-time"}
    assert "oneOf" not in parameters["q"] and parameters["q"]["type"] == "string"


def test_a_route_that_reads_its_own_body_still_documents_it() -> None:
    body = _document()["paths"]["/things/upload"]["post"]["requestBody"]
    assert body["required"] is True and list(body["content"]) == ["text/csv"]


async def test_options_lists_every_method_of_the_path() -> None:
    factory = TokenFactory()
    headers = {"Authorization": "Bearer " + factory.mint("u", "c")}
    async with AsyncTestClient(_app(factory)) as client:
        # Litestar's own OPTIONS handler knew only the first handler's method (POST)
        response = await client.options("/things", headers=headers)
        assert response.status_code == 204
        assert response.headers["allow"] == "GET, OPTIONS, POST"
        refused = await client.put("/things", headers=headers, json={})
        assert refused.status_code == 405
        assert {m.strip() for m in refused.headers["allow"].split(",")} == {
            "GET",
            "OPTIONS",
            "POST",
        }


async def test_bodies_are_read_as_their_schema_says() -> None:
    factory = TokenFactory()
    headers = {"Authorization": "Bearer " + factory.mint("u", "c")}
    async with AsyncTestClient(_app(factory)) as client:

        async def create(body: bytes, content_type: str = "application/json") -> Any:
            return await client.post(
                "/things", content=body, headers={**headers, "Content-Type": content_type}
            )

        assert (await create(b'{"name": "x", "count": 2.0}')).json()["count"] == 2
        assert (await create(b'{"name": "x"}', "application/merge-patch+json")).status_code == 201
        for lenient in (b'{"name": "x", "active": 0}', b'{"name": "x", "count": "1"}'):
            refused = await create(lenient)  # Litestar alone would convert both
            assert refused.status_code == 400, lenient
            assert refused.headers["content-type"] == "application/problem+json"
        other = await create(b'{"name": "x"}', "text/plain")
        assert other.status_code == 415 and other.json()["code"] == "unsupported_media_type"
        nul = await create(b'{"name": "a\\u0000b"}')
        assert nul.status_code == 400 and "\x00" not in nul.text
        unknown_nul = await create(b'{"name": "x", "\\u0000": 1}')
        assert unknown_nul.status_code == 400 and "\x00" not in unknown_nul.text


async def test_query_values_and_paths_are_read_as_their_schema_says() -> None:
    factory = TokenFactory()
    headers = {"Authorization": "Bearer " + factory.mint("u", "c")}
    async with AsyncTestClient(_app(factory)) as client:

        async def search(query: str) -> Any:
            return await client.get("/things?" + query, headers=headers)

        found = await search("kind=x&since=2026-01-01T00:00:00Z&q=null&limit=2")
        assert found.status_code == 200 and found.json()["q"] == "null"  # text is text
        for refused in ("kind=null", "since=0.5", "since=null", "q=a%00b", "kind=x&kind=null"):
            response = await search(refused)  # Litestar alone: no filter, a Unix time, ...
            assert response.status_code == 400, refused
        path = await client.get(f"/things/{uuid4()}%00", headers=headers)
        assert path.status_code in (400, 404)
        upload = await client.post(
            "/things/%00/x", headers={**headers, "Content-Type": "text/csv"}, content=b"a"
        )
        assert "\x00" not in upload.text
        assert upload.json()["instance"] == "/things/%00/x"  # as sent: a URI reference
