"""The search API: ``POST /search`` across types, one ``GET`` per type, and the rebuild."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Annotated

from dishka.integrations.litestar import FromDishka, inject
from elasticsearch import ConnectionError as EngineConnectionError
from elasticsearch import ConnectionTimeout as EngineTimeout
from litestar import Controller, get, post
from litestar.exceptions import ServiceUnavailableException
from litestar.params import JSONBody, QueryParameter

from lms.search.adapters.http.schemas import (
    Cursor,
    PageSize,
    QueryText,
    RebuildRequest,
    RebuildResponse,
    RebuiltIndex,
    SearchRequest,
    SearchResponse,
    decode_cursor,
)
from lms.search.application.reindexing import RebuildIndices
from lms.search.application.searching import Search
from lms.search.domain.documents import DocType
from lms.search.domain.query import search_query
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal

Value = Annotated[str | None, QueryParameter(min_length=1, max_length=200)]
Q = Annotated[QueryText, QueryParameter(description="Words or word beginnings; empty lists all")]
Size = Annotated[PageSize, QueryParameter(description="Hits per page")]
After = Annotated[Cursor | None, QueryParameter(description="next_cursor of the previous page")]


@contextlib.asynccontextmanager
async def _engine_answers() -> AsyncIterator[None]:
    """An unreachable or timed-out engine is a 503 problem (retry later), not a 500."""
    try:
        yield
    except (EngineConnectionError, EngineTimeout) as exc:
        raise ServiceUnavailableException("the search engine is not answering") from exc


async def _one_type(
    search: Search,
    principal: Principal,
    doc_type: DocType,
    text: str,
    filters: Mapping[str, str | None],
    page_size: int,
    cursor: str | None,
) -> SearchResponse:
    chosen = {name: [value] for name, value in filters.items() if value is not None}
    query = search_query(
        text=text,
        types=[doc_type],
        filters={doc_type: chosen} if chosen else None,
        page_size=page_size,
        after=decode_cursor(cursor),
    )
    async with _engine_answers():
        return SearchResponse.from_page(await search(principal, query))


class SearchController(Controller):
    path = "/search"
    tags = ["search"]

    @post(
        "/",
        status_code=200,
        summary="Search every type the caller may see",
        responses=problems(422, 503),
    )
    @inject
    async def search_all(
        self, data: JSONBody[SearchRequest], principal: FromDishka[Principal],
        search: FromDishka[Search],
    ) -> SearchResponse:  # fmt: skip
        query = search_query(
            text=data.query,
            types=[DocType(t) for t in data.types] if data.types else None,
            filters=data.filters.by_type() if data.filters else None,
            facets=data.facets.by_type() if data.facets else None,
            page_size=data.page_size,
            after=decode_cursor(data.cursor),
        )
        async with _engine_answers():
            return SearchResponse.from_page(await search(principal, query))

    @get("/courses", summary="Search courses", responses=problems(422, 503))
    @inject
    async def search_courses(
        self, principal: FromDishka[Principal], search: FromDishka[Search],
        q: Q = "", status: Value = None, term_id: Value = None, code: Value = None,
        page_size: Size = 20, cursor: After = None,
    ) -> SearchResponse:  # fmt: skip
        filters = {"status": status, "term_id": term_id, "code": code}
        return await _one_type(search, principal, DocType.COURSE, q, filters, page_size, cursor)

    @get("/assignments", summary="Search assignments", responses=problems(422, 503))
    @inject
    async def search_assignments(
        self, principal: FromDishka[Principal], search: FromDishka[Search],
        q: Q = "", course_id: Value = None, status: Value = None, grading_type: Value = None,
        submission_type: Value = None, page_size: Size = 20, cursor: After = None,
    ) -> SearchResponse:  # fmt: skip
        filters = {
            "course_id": course_id,
            "status": status,
            "grading_type": grading_type,
            "submission_types": submission_type,
        }
        return await _one_type(search, principal, DocType.ASSIGNMENT, q, filters, page_size, cursor)

    @get("/users", summary="Search users", responses=problems(422, 503))
    @inject
    async def search_users(
        self, principal: FromDishka[Principal], search: FromDishka[Search],
        q: Q = "", role: Value = None, status: Value = None, locale: Value = None,
        page_size: Size = 20, cursor: After = None,
    ) -> SearchResponse:  # fmt: skip
        filters = {"roles": role, "status": status, "locale": locale}
        return await _one_type(search, principal, DocType.USER, q, filters, page_size, cursor)

    @get("/notes", summary="Search the notes the caller may read", responses=problems(422, 503))
    @inject
    async def search_notes(
        self, principal: FromDishka[Principal], search: FromDishka[Search],
        q: Q = "", tag: Value = None, course_id: Value = None, section_id: Value = None,
        link_kind: Value = None, page_size: Size = 20, cursor: After = None,
    ) -> SearchResponse:  # fmt: skip
        filters = {
            "tags": tag,
            "course_id": course_id,
            "section_id": section_id,
            "link_kind": link_kind,
        }
        return await _one_type(search, principal, DocType.NOTE, q, filters, page_size, cursor)

    @post(
        "/index",
        status_code=200,
        summary="Rebuild indices into new versions and swap their aliases (platform operators)",
        responses=problems(403, 409, 503),
    )
    @inject
    async def rebuild(
        self, data: JSONBody[RebuildRequest], principal: FromDishka[Principal],
        rebuild: FromDishka[RebuildIndices],
    ) -> RebuildResponse:  # fmt: skip
        types = [DocType(t) for t in data.types] if data.types else list(DocType)
        async with _engine_answers():
            results = await rebuild(principal, types)
        return RebuildResponse(rebuilt=[RebuiltIndex.from_result(r) for r in results])
