"""An assignment's rubric: ``PUT`` (create or replace), ``GET`` and ``DELETE``
``/assignments/{id}/rubric``. Under the assignment service's ``/assignments`` prefix: this path
is the submission service's (Kong routes it here, as ``/grades/post``)."""

from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, put
from litestar.params import FromPath

from lms.submission.adapters.http.rubric_schemas import RubricRequest, RubricResponse
from lms.submission.application.rubrics import DeleteRubric, GetRubric, PutRubric
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal


class RubricController(Controller):
    path = "/assignments/{assignment_id:uuid}/rubric"
    tags = ["rubrics"]

    @put("/", status_code=200, summary="Attach a rubric to the assignment, or replace it "
         "(409 once a submission was assessed with it)", responses=problems(403, 409))  # fmt: skip
    @inject
    async def put_rubric(
        self, assignment_id: FromPath[UUID], data: RubricRequest, principal: FromDishka[Principal],
        use_case: FromDishka[PutRubric],
    ) -> RubricResponse:  # fmt: skip
        return RubricResponse.of(await use_case(principal, assignment_id, data.draft()))

    @get("/", summary="The assignment's rubric (graders, and the students it is for)")
    @inject
    async def get_rubric(
        self, assignment_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[GetRubric],
    ) -> RubricResponse:  # fmt: skip
        return RubricResponse.of(await use_case(principal, assignment_id))

    @delete("/", status_code=204, summary="Remove the assignment's rubric "
            "(409 once a submission was assessed with it)", responses=problems(403, 409))  # fmt: skip
    @inject
    async def delete_rubric(
        self, assignment_id: FromPath[UUID], principal: FromDishka[Principal],
        use_case: FromDishka[DeleteRubric],
    ) -> None:  # fmt: skip
        await use_case(principal, assignment_id)
