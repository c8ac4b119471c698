"""One enrollment, the caller's own courses, and the snapshot feed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, patch, post
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from lms.course.adapters.http.schemas import (
    CourseResponse,
    EnrollmentFeedResponse,
    EnrollmentResponse,
    MyCourseResponse,
    MyCoursesResponse,
    MySectionResponse,
    PatchEnrollmentRequest,
    SectionResponse,
)
from lms.course.application.enrollment_changes import (
    ChangeEnrollment,
    DropEnrollment,
    EnrollmentChange,
)
from lms.course.application.memberships import MAX_FEED_LIMIT, EnrollmentFeed, MyCourses
from lms.course.domain.enrollments import EnrollmentState, SectionRole
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    CursorQuery,
    InvalidCursor,
    decode_cursor,
    encode_cursor,
)
from lms_platform.kernel.principal import Principal

# The platform's tamper-evident cursor. The position it carries, (updated_at, id), already
# lies past any updated_since, so a cursor is valid with or without the first call's filter.
_FEED = "enrollment-feed"


def _encode_cursor(cursor: tuple[datetime, UUID] | None) -> str | None:
    return encode_cursor(cursor, _FEED) if cursor is not None else None


def _decode_cursor(raw: str | None) -> tuple[datetime, UUID] | None:
    if raw is None:
        return None
    try:
        when, ident = decode_cursor(raw, _FEED)
    except (InvalidCursor, ValueError) as exc:  # ValueError: a key of another shape
        raise ValidationException(f"cursor: {exc}") from exc
    if not isinstance(when, datetime) or not isinstance(ident, UUID):
        raise ValidationException("cursor: the cursor is not one this API issued")
    return when, ident


class EnrollmentsController(Controller):
    path = "/enrollments"
    tags = ["enrollments"]

    @patch(
        "/{enrollment_id:uuid}",
        summary="Change an enrollment's role or state (409 for an illegal change)",
        responses=problems(403, 409),
    )
    @inject
    async def patch_enrollment(
        self, enrollment_id: FromPath[UUID], data: JSONBody[PatchEnrollmentRequest],
        principal: FromDishka[Principal], use_case: FromDishka[ChangeEnrollment],
    ) -> EnrollmentResponse:  # fmt: skip
        changes = data.changes()
        fields: dict[str, Any] = {
            "role": SectionRole(str(changes["role"])) if "role" in changes else None,
            "state": EnrollmentState(str(changes["state"])) if "state" in changes else None,
        }
        if "observed_user_id" in changes:  # absent: unchanged; null: no observer link
            fields["observed_user_id"] = changes["observed_user_id"]
        change = EnrollmentChange(**fields)
        return EnrollmentResponse.from_domain(await use_case(principal, enrollment_id, change))

    @post(
        "/{enrollment_id:uuid}/drop",
        status_code=200,
        summary="Drop an enrollment (its seat goes to the waitlist)",
        responses=problems(403, 409),
    )
    @inject
    async def drop_enrollment(
        self, enrollment_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[DropEnrollment],
    ) -> EnrollmentResponse:  # fmt: skip
        return EnrollmentResponse.from_domain(await use_case(principal, enrollment_id))

    @get(
        "/",
        summary="Snapshot feed: enrollments changed since a time, tombstones included (enrollment:sync)",
        responses=problems(403),
    )
    @inject
    async def feed(
        self, principal: FromDishka[Principal], use_case: FromDishka[EnrollmentFeed],
        updated_since: FromQuery[datetime | None] = None,
        cursor: CursorQuery = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_FEED_LIMIT)] = 500,
    ) -> EnrollmentFeedResponse:  # fmt: skip
        page = await use_case(
            principal, updated_since=updated_since, after=_decode_cursor(cursor), limit=limit
        )
        return EnrollmentFeedResponse(
            items=[EnrollmentResponse.from_domain(e) for e in page.items],
            next_cursor=_encode_cursor(page.next_cursor),
        )


class MeController(Controller):
    path = "/me"
    tags = ["me"]

    @get("/courses", summary="The caller's courses with their role and sections")
    @inject
    async def my_courses(
        self, principal: FromDishka[Principal], use_case: FromDishka[MyCourses]
    ) -> MyCoursesResponse:
        courses = await use_case(principal)
        return MyCoursesResponse(
            items=[
                MyCourseResponse(
                    course=CourseResponse.from_domain(entry.course),
                    roles=entry.roles,
                    sections=[
                        MySectionResponse(
                            section=SectionResponse.from_domain(s.section),
                            role=s.enrollment.role.value,
                            state=s.enrollment.state.value,
                            enrollment_id=s.enrollment.id,
                        )  # fmt: skip
                        for s in entry.sections
                    ],
                )
                for entry in courses
            ]
        )
