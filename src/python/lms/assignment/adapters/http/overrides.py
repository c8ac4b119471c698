"""``/assignments/{id}/overrides``: dates for one section or one student (an extension)."""

from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody

from lms.assignment.adapters.http.schemas import (
    CreateOverrideRequest,
    OverrideDates,
    OverrideList,
    OverrideResponse,
)
from lms.assignment.application.overriding import (
    AddOverride,
    ChangeOverride,
    ListOverrides,
    RemoveOverride,
)
from lms_platform.http.openapi import problems
from lms_platform.kernel.grading import OverrideTarget
from lms_platform.kernel.principal import Principal


class OverrideController(Controller):
    path = "/assignments/{assignment_id:uuid}/overrides"
    tags = ["overrides"]

    @get("/", summary="The assignment's overrides (course staff)", responses=problems(403))
    @inject
    async def list_overrides(
        self,
        assignment_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ListOverrides],
    ) -> OverrideList:
        overrides = await use_case(principal, assignment_id)
        return OverrideList(
            items=[OverrideResponse.from_domain(assignment_id, o) for o in overrides]
        )

    @post("/", summary="Override dates for a section or a student", responses=problems(403, 409))
    @inject
    async def create_override(
        self,
        assignment_id: FromPath[UUID],
        data: JSONBody[CreateOverrideRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[AddOverride],
    ) -> OverrideResponse:
        override = await use_case(
            principal, assignment_id, OverrideTarget(data.target), data.target_id, data.dates()
        )
        return OverrideResponse.from_domain(assignment_id, override)

    @put(
        "/{override_id:uuid}",
        summary="Replace the dates an override sets",
        responses=problems(403, 409),
    )
    @inject
    async def replace_override(
        self,
        assignment_id: FromPath[UUID],
        override_id: FromPath[UUID],
        data: JSONBody[OverrideDates],
        principal: FromDishka[Principal],
        use_case: FromDishka[ChangeOverride],
    ) -> OverrideResponse:
        override = await use_case(principal, assignment_id, override_id, data.dates())
        return OverrideResponse.from_domain(assignment_id, override)

    @delete("/{override_id:uuid}", summary="Remove an override", responses=problems(403, 409))
    @inject
    async def delete_override(
        self,
        assignment_id: FromPath[UUID],
        override_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[RemoveOverride],
    ) -> None:
        await use_case(principal, assignment_id, override_id)
