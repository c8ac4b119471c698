"""``/notification-defaults``: the caller's college's default channel set per type (its admins
with ``college:configure``)."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, put
from litestar.params import JSONBody

from lms.notification.adapters.http.schemas import CollegeDefaultsRequest, CollegeDefaultsResponse
from lms.notification.application.college_defaults import (
    GetCollegeDefaults,
    ReplaceCollegeDefaults,
)
from lms.notification.domain.kinds import Channel, NotificationType
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal


class CollegeDefaultsController(Controller):
    path = "/notification-defaults"
    tags = ["college defaults"]

    @get("/", summary="The college's default channels per type (the platform's where it set none)",
         responses=problems(403))  # fmt: skip
    @inject
    async def get_defaults(
        self, principal: FromDishka[Principal], use_case: FromDishka[GetCollegeDefaults]
    ) -> CollegeDefaultsResponse:
        return CollegeDefaultsResponse.from_domain(await use_case(principal))

    @put(
        "/",
        summary="Replace the college's default channels (a critical type keeps email: 422)",
        responses=problems(403),
    )
    @inject
    async def put_defaults(
        self,
        data: JSONBody[CollegeDefaultsRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[ReplaceCollegeDefaults],
    ) -> CollegeDefaultsResponse:
        entries = [
            (NotificationType(d.type), [Channel(c) for c in d.channels]) for d in data.defaults
        ]
        return CollegeDefaultsResponse.from_domain(await use_case(principal, entries))
