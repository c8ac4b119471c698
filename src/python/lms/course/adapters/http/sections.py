"""Sections, their rosters and enrollments into them."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from lms.course.adapters.http.params import DEFAULT_PAGE_LIMIT, PAGES, page_request
from lms.course.adapters.http.schemas import (
    BulkEnrollRequest,
    BulkEnrollResponse,
    BulkItemResult,
    CreateSectionRequest,
    EnrollmentResponse,
    EnrollRequest,
    PatchSectionRequest,
    RoleName,
    SectionResponse,
    StateName,
)
from lms.course.application.enrolling import BulkEnroll, Enroll, NewEnrollment
from lms.course.application.memberships import SectionRoster
from lms.course.application.sections import (
    CreateSection,
    GetSection,
    ListSections,
    NewSection,
    UpdateSection,
)
from lms.course.domain.enrollments import EnrollmentState, SectionRole
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


def new_enrollment(item: EnrollRequest) -> NewEnrollment:
    return NewEnrollment(
        user_id=item.user_id, role=SectionRole(item.role), state=EnrollmentState(item.state),
        observed_user_id=item.observed_user_id,
    )  # fmt: skip


class SectionsController(Controller):
    path = "/sections"
    tags = ["sections"]

    @post("/", summary="Create a section of a course", responses=problems(403, 409))
    @inject
    async def create_section(
        self, data: JSONBody[CreateSectionRequest], principal: FromDishka[Principal],
        use_case: FromDishka[CreateSection],
    ) -> SectionResponse:  # fmt: skip
        section = await use_case(
            principal,
            NewSection(
                course_id=data.course_id, code=data.code, name=data.name, batch_id=data.batch_id,
                capacity=data.capacity, waitlist=data.waitlist, schedule=data.schedule,
                start_date=data.start_date, end_date=data.end_date,
            ),
        )  # fmt: skip
        return SectionResponse.from_domain(section)

    @get(
        "/",
        summary="Sections the caller can see in their college, by code",
        description=PAGES,
        responses=problems(403),
    )
    @inject
    async def list_sections(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListSections],
        limit: LimitQuery = DEFAULT_PAGE_LIMIT, cursor: CursorQuery = None,
        offset: OffsetQuery = 0, include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[SectionResponse]:  # fmt: skip
        binding = query_binding("sections")
        page = await use_case(
            principal,
            page_request(
                binding, limit=limit, cursor=cursor, offset=offset, include_total=include_total
            ),
        )
        return to_cursor_page_response(page, SectionResponse.from_domain, binding)

    @get("/{section_id:uuid}", summary="A section")
    @inject
    async def get_section(
        self,
        section_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetSection],
    ) -> SectionResponse:
        return SectionResponse.from_domain(await use_case(principal, section_id))

    @patch(
        "/{section_id:uuid}",
        summary="Change a section (capacity, schedule, dates...)",
        responses=problems(403, 409),
    )
    @inject
    async def patch_section(
        self, section_id: FromPath[UUID], data: JSONBody[PatchSectionRequest],
        principal: FromDishka[Principal], use_case: FromDishka[UpdateSection],
    ) -> SectionResponse:  # fmt: skip
        return SectionResponse.from_domain(await use_case(principal, section_id, data.changes()))

    @get(
        "/{section_id:uuid}/enrollments",
        summary="A section's roster (its staff only), oldest enrollment first",
        description=PAGES,
        responses=problems(403),
    )
    @inject
    async def roster(
        self, section_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[SectionRoster],
        role: FromQuery[RoleName | None] = None,
        state_filter: Annotated[StateName | None, QueryParameter(name="state")] = None,
        limit: LimitQuery = DEFAULT_PAGE_LIMIT, cursor: CursorQuery = None,
        offset: OffsetQuery = 0, include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[EnrollmentResponse]:  # fmt: skip
        binding = query_binding("roster", section_id=section_id, role=role, state=state_filter)
        request = page_request(
            binding, limit=limit, cursor=cursor, offset=offset, include_total=include_total
        )
        page = await use_case(
            principal, section_id, request,
            role=SectionRole(role) if role else None, state=EnrollmentState(state_filter) if state_filter else None,
        )  # fmt: skip
        return to_cursor_page_response(page, EnrollmentResponse.from_domain, binding)

    @post(
        "/{section_id:uuid}/enrollments",
        summary="Enroll a user (waitlisted when full and the section keeps a waitlist)",
        responses=problems(403, 409),
    )
    @inject
    async def enroll(
        self, section_id: FromPath[UUID], data: JSONBody[EnrollRequest],
        principal: FromDishka[Principal], use_case: FromDishka[Enroll],
    ) -> EnrollmentResponse:  # fmt: skip
        return EnrollmentResponse.from_domain(
            await use_case(principal, section_id, new_enrollment(data))
        )

    @post(
        "/{section_id:uuid}/enrollments/bulk",
        status_code=200,
        summary="Enroll up to 200 users; a result per item",
        responses=problems(403, 409),
    )
    @inject
    async def bulk_enroll(
        self, section_id: FromPath[UUID], data: JSONBody[BulkEnrollRequest],
        principal: FromDishka[Principal], use_case: FromDishka[BulkEnroll],
    ) -> BulkEnrollResponse:  # fmt: skip
        outcomes = await use_case(principal, section_id, [new_enrollment(i) for i in data.items])
        results = []
        for outcome in outcomes:
            if outcome.enrollment is not None:
                state = outcome.enrollment.state
                results.append(BulkItemResult(
                    index=outcome.index, user_id=outcome.user_id,
                    outcome="waitlisted" if state is EnrollmentState.WAITLISTED else "enrolled",
                    enrollment=EnrollmentResponse.from_domain(outcome.enrollment),
                ))  # fmt: skip
            else:
                error = outcome.error
                results.append(BulkItemResult(
                    index=outcome.index, user_id=outcome.user_id, outcome="failed",
                    code=error.code if error else None, detail=error.detail if error else None,
                ))  # fmt: skip
        return BulkEnrollResponse(
            enrolled=sum(r.outcome == "enrolled" for r in results),
            waitlisted=sum(r.outcome == "waitlisted" for r in results),
            failed=sum(r.outcome == "failed" for r in results),
            items=results,
        )
