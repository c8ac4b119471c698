"""Terms and batches."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, post
from litestar.params import JSONBody

from lms.course.adapters.http.params import DEFAULT_PAGE_LIMIT, PAGES, page_request
from lms.course.adapters.http.schemas import (
    BatchResponse,
    CreateBatchRequest,
    CreateTermRequest,
    TermResponse,
)
from lms.course.application.terms import (
    CreateBatch,
    CreateTerm,
    ListBatches,
    ListTerms,
    NewBatch,
    NewTerm,
)
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    CursorPageResponse,
    CursorQuery,
    IncludeTotalQuery,
    LimitQuery,
    OffsetQuery,
    query_binding,
    to_cursor_page_response,
)
from lms_platform.kernel.principal import Principal


class TermsController(Controller):
    path = "/terms"
    tags = ["terms"]

    @post("/", summary="Create a term (academic session)", responses=problems(403))
    @inject
    async def create_term(
        self, data: JSONBody[CreateTermRequest], principal: FromDishka[Principal],
        use_case: FromDishka[CreateTerm],
    ) -> TermResponse:  # fmt: skip
        term = await use_case(
            principal, NewTerm(name=data.name, start_date=data.start_date, end_date=data.end_date)
        )
        return TermResponse.from_domain(term)

    @get(
        "/", summary="The college's terms, newest first", description=PAGES, responses=problems(403)
    )
    @inject
    async def list_terms(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListTerms],
        limit: LimitQuery = DEFAULT_PAGE_LIMIT, cursor: CursorQuery = None,
        offset: OffsetQuery = 0, include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[TermResponse]:  # fmt: skip
        binding = query_binding("terms")
        page = await use_case(
            principal,
            page_request(
                binding, limit=limit, cursor=cursor, offset=offset, include_total=include_total
            ),
        )
        return to_cursor_page_response(page, TermResponse.from_domain, binding)


class BatchesController(Controller):
    path = "/batches"
    tags = ["batches"]

    @post("/", summary="Create a batch (a cohort or intake)", responses=problems(403, 409))
    @inject
    async def create_batch(
        self, data: JSONBody[CreateBatchRequest], principal: FromDishka[Principal],
        use_case: FromDishka[CreateBatch],
    ) -> BatchResponse:  # fmt: skip
        batch = await use_case(
            principal,
            NewBatch(
                code=data.code, name=data.name, start_date=data.start_date, end_date=data.end_date
            ),
        )
        return BatchResponse.from_domain(batch)

    @get("/", summary="The college's batches, by code", description=PAGES, responses=problems(403))
    @inject
    async def list_batches(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListBatches],
        limit: LimitQuery = DEFAULT_PAGE_LIMIT, cursor: CursorQuery = None,
        offset: OffsetQuery = 0, include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[BatchResponse]:  # fmt: skip
        binding = query_binding("batches")
        page = await use_case(
            principal,
            page_request(
                binding, limit=limit, cursor=cursor, offset=offset, include_total=include_total
            ),
        )
        return to_cursor_page_response(page, BatchResponse.from_domain, binding)
