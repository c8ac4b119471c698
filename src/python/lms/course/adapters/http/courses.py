"""Courses and their sections."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from lms.course.adapters.http.params import DEFAULT_PAGE_LIMIT, PAGES, page_request
from lms.course.adapters.http.schemas import (
    CourseResponse,
    CourseStatusName,
    CreateCourseRequest,
    PatchCourseRequest,
    SectionResponse,
    scheme_levels,
)
from lms.course.application.courses import (
    CreateCourse,
    DeleteCourse,
    GetCourse,
    ListCourses,
    NewCourse,
    UpdateCourse,
)
from lms.course.application.sections import ListCourseSections
from lms.course.domain.courses import Course, CourseStatus
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
from lms_platform.kernel.errors import PreconditionFailed
from lms_platform.kernel.principal import Principal

CourseSort = Literal[
    "code", "-code", "title", "-title", "created_at", "-created_at", "start_date", "-start_date"
]


_ETAG = ResponseHeader(
    name="ETag", description="The course's version, for If-Match", documentation_only=True
)
_ETAG_VALUE = re.compile(r'(?:W/)?"([0-9]{1,18})"')
_IF_MATCH = HeaderParameter(
    name="If-Match",
    description="The ETag of a read: the change applies only to that version, else 412",
)


def expected_version(if_match: str | None) -> int | None:
    """RFC 9110: ``*`` matches any current version; a value that is not one of our ETags
    matches none, so the precondition fails (412), like a stale one."""
    if if_match is None or if_match.strip() == "*":
        return None
    etag = _ETAG_VALUE.fullmatch(if_match.strip())
    if etag is None:
        raise PreconditionFailed("If-Match names no version of this course; send a read's ETag")
    return int(etag.group(1))


def _with_etag(course: Course, status_code: int = 200) -> Response[CourseResponse]:
    return Response(
        CourseResponse.from_domain(course),
        status_code=status_code,
        headers={"ETag": f'"{course.version}"'},
    )


class CoursesController(Controller):
    path = "/courses"
    tags = ["courses"]

    @post(
        "/",
        summary="Create a course (draft)",
        response_headers=[_ETAG],
        responses=problems(403, 409),
    )
    @inject
    async def create_course(
        self, data: JSONBody[CreateCourseRequest], principal: FromDishka[Principal],
        use_case: FromDishka[CreateCourse],
    ) -> Response[CourseResponse]:  # fmt: skip
        course = await use_case(
            principal,
            NewCourse(code=data.code, title=data.title, description=data.description,
                      term_id=data.term_id, start_date=data.start_date, end_date=data.end_date,
                      grading_scheme=scheme_levels(data.grading_scheme)),
        )  # fmt: skip
        return _with_etag(course, 201)

    @get(
        "/",
        summary="Courses of the caller's college, filtered, sorted and paginated",
        description=PAGES + " `start_date`: courses without one come last, either way.",
        responses=problems(403),
    )
    @inject
    async def list_courses(
        self, principal: FromDishka[Principal], use_case: FromDishka[ListCourses],
        status: FromQuery[CourseStatusName | None] = None,
        term_id: FromQuery[UUID | None] = None,
        instructor_id: FromQuery[UUID | None] = None,
        q: Annotated[str | None, QueryParameter(min_length=1, max_length=100, description="In code, title or description")] = None,
        sort: FromQuery[CourseSort] = "code",
        limit: LimitQuery = DEFAULT_PAGE_LIMIT, cursor: CursorQuery = None,
        offset: OffsetQuery = 0, include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[CourseResponse]:  # fmt: skip
        binding = query_binding(
            "courses", status=status, term_id=term_id, instructor_id=instructor_id, q=q, sort=sort
        )
        request = page_request(
            binding, limit=limit, cursor=cursor, offset=offset, include_total=include_total
        )
        page = await use_case(
            principal, request,
            status=CourseStatus(status) if status else None, term_id=term_id,
            instructor_id=instructor_id, text=q, sort=sort,
        )  # fmt: skip
        return to_cursor_page_response(page, CourseResponse.from_domain, binding)

    @get("/{course_id:uuid}", summary="A course", response_headers=[_ETAG])
    @inject
    async def get_course(
        self,
        course_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetCourse],
    ) -> Response[CourseResponse]:
        return _with_etag(await use_case(principal, course_id))

    @patch(
        "/{course_id:uuid}",
        summary="Change a course's fields or status (409 says why a status change is refused)",
        response_headers=[_ETAG],
        responses=problems(403, 409, 412),
    )
    @inject
    async def patch_course(
        self, course_id: FromPath[UUID], data: JSONBody[PatchCourseRequest],
        principal: FromDishka[Principal], use_case: FromDishka[UpdateCourse],
        if_match: Annotated[str | None, _IF_MATCH] = None,
    ) -> Response[CourseResponse]:  # fmt: skip
        changes = data.changes()
        status = changes.pop("status", None)
        if "grading_scheme" in changes:
            changes["grading_scheme"] = scheme_levels(data.grading_scheme)  # type: ignore[arg-type]
        course = await use_case(
            principal, course_id, changes, CourseStatus(str(status)) if status else None,
            expected_version(if_match),
        )  # fmt: skip
        return _with_etag(course)

    @delete(
        "/{course_id:uuid}",
        summary="Delete a course (refused while it has active enrollments, unless archived)",
        responses=problems(403, 409),
    )
    @inject
    async def delete_course(
        self,
        course_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteCourse],
    ) -> None:
        await use_case(principal, course_id)

    @get("/{course_id:uuid}/sections", summary="A course's sections, by code", description=PAGES)
    @inject
    async def course_sections(
        self, course_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[ListCourseSections],
        limit: LimitQuery = DEFAULT_PAGE_LIMIT, cursor: CursorQuery = None,
        offset: OffsetQuery = 0, include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[SectionResponse]:  # fmt: skip
        binding = query_binding("course-sections", course_id=course_id)
        page = await use_case(
            principal,
            course_id,
            page_request(
                binding, limit=limit, cursor=cursor, offset=offset, include_total=include_total
            ),
        )
        return to_cursor_page_response(page, SectionResponse.from_domain, binding)
