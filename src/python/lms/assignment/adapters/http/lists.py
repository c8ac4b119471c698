"""Lists: a course's assignments (``GET /assignments``) and the caller's own across their
courses (``GET /me/assignments``), as the caller sees them, in keyset pages: ``next_cursor``
carries the last item's (date, id) and is bound to the sort and filters it was issued for."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from lms.assignment.adapters.http.schemas import AssignmentResponse
from lms.assignment.application.listing import ListAssignments, Window
from lms.assignment.application.my_assignments import MyAssignments
from lms.assignment.application.ports import CourseListing
from lms.assignment.domain.assignments import AssignmentStatus
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    CursorPageResponse,
    CursorQuery,
    IncludeTotalQuery,
    LimitQuery,
    OffsetQuery,
    cursor_page_request,
    query_binding,
    to_cursor_page_response,
)
from lms_platform.kernel.pagination import DEFAULT_LIMIT
from lms_platform.kernel.principal import Principal

Sort = Literal["due_at", "-due_at", "created_at", "-created_at"]
DueAfter = Annotated[
    datetime | None, QueryParameter(description="due at or after this time (RFC 3339, offset)")
]
DueBefore = Annotated[
    datetime | None, QueryParameter(description="due before this time (RFC 3339, offset)")
]
SortQuery = Annotated[
    Sort,
    QueryParameter(description="due_at (no due date last), created_at; '-' for descending"),
]


def _window(due_after: datetime | None, due_before: datetime | None) -> Window:
    for name, value in (("due_after", due_after), ("due_before", due_before)):
        if value is not None and value.utcoffset() is None:
            raise ValidationException(f"{name} needs a time zone offset")
    return Window(due_after=due_after, due_before=due_before)


class ListController(Controller):
    tags = ["assignments"]

    @get(
        "/assignments",
        summary="A course's assignments, as the caller sees them",
        responses=problems(404),
    )
    @inject
    async def list_assignments(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListAssignments],
        course_id: Annotated[UUID, QueryParameter(description="the course (required)")],
        section_id: Annotated[
            UUID | None, QueryParameter(description="assigned to this section")
        ] = None,
        status: Annotated[Literal["draft", "published"] | None, QueryParameter()] = None,
        due_after: DueAfter = None,
        due_before: DueBefore = None,
        sort: SortQuery = "due_at",
        limit: LimitQuery = DEFAULT_LIMIT,
        cursor: CursorQuery = None,
        offset: OffsetQuery = 0,
        include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[AssignmentResponse]:
        window = _window(due_after, due_before)
        binding = query_binding(
            "assignments",
            course_id=course_id,
            section_id=section_id,
            status=status,
            due_after=due_after,
            due_before=due_before,
            sort=sort,
        )
        listing = CourseListing(
            tenant_id=principal.tenant_id,
            course_id=course_id,
            section_id=section_id,
            status=AssignmentStatus(status) if status else None,
            due_after=window.due_after,
            due_before=window.due_before,
            sort=sort,
        )
        page = await use_case(
            principal,
            listing,
            cursor_page_request(
                limit=limit,
                cursor=cursor,
                offset=offset,
                include_total=include_total,
                binding=binding,
            ),
        )
        return to_cursor_page_response(page, AssignmentResponse.from_view, binding)

    @get(
        "/me/assignments",
        summary="What is due for the caller, with their own dates",
        responses=problems(403),
    )
    @inject
    async def my_assignments(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[MyAssignments],
        course_id: Annotated[UUID | None, QueryParameter(description="one course only")] = None,
        due_after: DueAfter = None,
        due_before: DueBefore = None,
        sort: SortQuery = "due_at",
        limit: LimitQuery = DEFAULT_LIMIT,
        cursor: CursorQuery = None,
        offset: OffsetQuery = 0,
        include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[AssignmentResponse]:
        binding = query_binding(
            "me-assignments",
            course_id=course_id,
            due_after=due_after,
            due_before=due_before,
            sort=sort,
        )
        page = await use_case(
            principal,
            cursor_page_request(
                limit=limit,
                cursor=cursor,
                offset=offset,
                include_total=include_total,
                binding=binding,
            ),
            course_id=course_id,
            window=_window(due_after, due_before),
            sort=sort,
        )
        return to_cursor_page_response(page, AssignmentResponse.from_view, binding)
