"""Bad input is a 4xx problem and changes nothing: malformed, mistyped, unknown-field,
oversize and out-of-range bodies and parameters on every route; the indices (their versions
and documents) and the service's tables are the same before and after."""

from __future__ import annotations

import json
from typing import Any

from elasticsearch import AsyncElasticsearch

from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE
from tests.search.integration.events import new_id
from tests.search.integration.world import World, admin, build

BIG = "x" * 70_000  # over the 64 KiB body limit of the test settings
BAD_SEARCH_BODIES: list[tuple[str, bytes | str]] = [
    ("malformed", b"{not json"),
    ("not an object", b"[1, 2]"),
    ("unknown field", json.dumps({"query": "a", "sort": "title"})),
    ("mistyped", json.dumps({"query": 5})),
    ("page size 0", json.dumps({"page_size": 0})),
    ("page size 101", json.dumps({"page_size": 101})),
    ("query too long", json.dumps({"query": "q" * 201})),
    ("unknown type", json.dumps({"types": ["submission"]})),
    ("no types", json.dumps({"types": []})),
    ("unknown filter field", json.dumps({"filters": {"course": {"owner_id": ["x"]}}})),
    ("empty filter values", json.dumps({"filters": {"course": {"status": []}}})),
    ("filter of an unsearched type", json.dumps({"types": ["user"], "filters": {"course": {"status": ["draft"]}}})),
    ("unknown facet", json.dumps({"facets": {"user": ["email"]}})),
    ("forged cursor", json.dumps({"cursor": "AAAA"})),
    ("cursor with bad characters", json.dumps({"cursor": "a/b"})),
    ("oversize", json.dumps({"query": BIG})),
]  # fmt: skip
BAD_QUERIES: list[dict[str, Any]] = [
    {"page_size": 0}, {"page_size": "many"}, {"q": "q" * 201}, {"cursor": "AAAA"},
    {"status": ""},
]  # fmt: skip


def _is_problem(response: Any, why: str) -> None:
    assert 400 <= response.status_code < 500, (why, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), why
    assert response.json()["status"] == response.status_code, why


async def _state(service: RunningService[SearchSettings]) -> dict[str, Any]:
    es = await service.runtime.container.get(AsyncElasticsearch)
    names = IndexNames(service.settings.index_prefix)
    state: dict[str, Any] = {}
    for doc_type in DocType:
        alias = names.alias(doc_type)
        await es.indices.refresh(index=alias)
        found = await es.search(index=alias, query={"match_all": {}}, size=100)
        state[doc_type.value] = (
            sorted(await es.indices.get_alias(name=alias)),
            sorted((h["_id"], h["_source"]["version"]) for h in found["hits"]["hits"]),
        )
    for table in ("memberships", "processed_messages", "outbox"):
        state[table] = await service.scalar(f"SELECT count(*) FROM {table}")
    return state


async def test_bad_searches_are_problems_and_change_nothing(
    search_service: RunningService[SearchSettings],
) -> None:
    await build(search_service, World())
    headers = {**admin(search_service), "Content-Type": "application/json"}
    before = await _state(search_service)
    for why, body in BAD_SEARCH_BODIES:
        response = await search_service.client.post("/search", content=body, headers=headers)
        _is_problem(response, why)
    for path in ("/search/courses", "/search/assignments", "/search/users"):
        for params in BAD_QUERIES:
            response = await search_service.client.get(path, params=params, headers=headers)
            _is_problem(response, f"{path} {params}")
    assert await _state(search_service) == before


async def test_bad_rebuild_requests_rebuild_nothing(
    search_service: RunningService[SearchSettings],
) -> None:
    await build(search_service, World())
    operator = {
        **search_service.bearer(new_id(), COLLEGE, roles=("super_admin",)),
        "Content-Type": "application/json",
    }
    before = await _state(search_service)
    bodies: list[tuple[str, bytes | str]] = [
        ("malformed", b"{"),
        ("unknown field", json.dumps({"types": ["course"], "force": True})),
        ("unknown type", json.dumps({"types": ["submission"]})),
        ("empty types", json.dumps({"types": []})),
        ("mistyped", json.dumps({"types": "course"})),
        ("oversize", json.dumps({"types": ["course"], "pad": BIG})),
    ]
    for why, body in bodies:
        response = await search_service.client.post("/search/index", content=body, headers=operator)
        _is_problem(response, why)
    assert await _state(search_service) == before
