"""``/assignments``: create, read, replace, change and delete. Handlers translate HTTP to use
cases and back; every rule lives in the application and domain layers."""

from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody

from lms.assignment.adapters.http.etags import ETAG, IfMatch, expected_version, with_etag
from lms.assignment.adapters.http.schemas import (
    AssignmentResponse,
    CreateAssignmentRequest,
    PatchAssignmentRequest,
    ReplaceAssignmentRequest,
)
from lms.assignment.application.creating import CreateAssignment, NewAssignment
from lms.assignment.application.editing import DeleteAssignment, PatchAssignment, ReplaceAssignment
from lms.assignment.application.reading import GetAssignment
from lms.assignment.application.views import AssignmentView
from lms.assignment.domain.assignments import Assignment, AssignmentStatus
from lms_platform.http.openapi import problems
from lms_platform.kernel.grading import EffectiveDates
from lms_platform.kernel.principal import Principal


def _staff_view(assignment: Assignment) -> AssignmentResponse:
    dates = EffectiveDates.of(assignment.content.dates)
    return AssignmentResponse.from_view(AssignmentView(assignment, dates, False, True))


class AssignmentController(Controller):
    path = "/assignments"
    tags = ["assignments"]

    @post(
        "/",
        response_headers=[ETAG],
        summary="Create an assignment (course staff)",
        responses=problems(403, 404, 409),
    )
    @inject
    async def create_assignment(
        self,
        data: JSONBody[CreateAssignmentRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[CreateAssignment],
    ) -> Response[AssignmentResponse]:
        new = NewAssignment(
            course_id=data.course_id,
            content=data.to_domain(),
            publish=data.status == AssignmentStatus.PUBLISHED.value,
        )
        created = await use_case(principal, new)
        return with_etag(_staff_view(created), created.version, status_code=201)

    @get("/{assignment_id:uuid}", response_headers=[ETAG], summary="Get an assignment")
    @inject
    async def get_assignment(
        self,
        assignment_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetAssignment],
    ) -> Response[AssignmentResponse]:
        view = await use_case(principal, assignment_id)
        return with_etag(AssignmentResponse.from_view(view), view.assignment.version)

    @put(
        "/{assignment_id:uuid}",
        response_headers=[ETAG],
        summary="Replace an assignment",
        responses=problems(403, 409, 412),
    )
    @inject
    async def replace_assignment(
        self,
        assignment_id: FromPath[UUID],
        data: JSONBody[ReplaceAssignmentRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[ReplaceAssignment],
        if_match: IfMatch = None,
    ) -> Response[AssignmentResponse]:
        status = AssignmentStatus(data.status) if data.status else None
        replaced = await use_case(
            principal, assignment_id, data.to_domain(), status, expected_version(if_match)
        )
        return with_etag(_staff_view(replaced), replaced.version)

    @patch(
        "/{assignment_id:uuid}",
        response_headers=[ETAG],
        summary="Change an assignment",
        responses=problems(403, 409, 412),
    )
    @inject
    async def patch_assignment(
        self,
        assignment_id: FromPath[UUID],
        data: JSONBody[PatchAssignmentRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[PatchAssignment],
        if_match: IfMatch = None,
    ) -> Response[AssignmentResponse]:
        patched = await use_case(
            principal, assignment_id, data.changes(), data.new_status(), expected_version(if_match)
        )
        return with_etag(_staff_view(patched), patched.version)

    @delete(
        "/{assignment_id:uuid}",
        summary="Delete an assignment",
        responses=problems(403, 409, 412),
    )
    @inject
    async def delete_assignment(
        self,
        assignment_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteAssignment],
        if_match: IfMatch = None,
    ) -> None:
        await use_case(principal, assignment_id, expected_version(if_match))
