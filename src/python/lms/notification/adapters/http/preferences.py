"""``/me/notification-preferences``: the caller's own preferences."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get, put
from litestar.params import JSONBody

from lms.notification.adapters.http.schemas import PreferencesRequest, PreferencesResponse
from lms.notification.application.preferences import (
    GetMyPreferences,
    PreferenceChange,
    ReplaceMyPreferences,
)
from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.preferences import QuietHours
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal


class PreferencesController(Controller):
    path = "/me/notification-preferences"
    tags = ["preferences"]

    @get("/", summary="The caller's preferences: every type x channel, with the defaults filled in",
         responses=problems(403))  # fmt: skip
    @inject
    async def get_preferences(
        self, principal: FromDishka[Principal], use_case: FromDishka[GetMyPreferences]
    ) -> PreferencesResponse:
        return PreferencesResponse.from_domain(await use_case(principal))

    @put(
        "/",
        summary="Replace the caller's preferences (critical types cannot be switched off: 422)",
        responses=problems(403),
    )
    @inject
    async def put_preferences(
        self,
        data: JSONBody[PreferencesRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[ReplaceMyPreferences],
    ) -> PreferencesResponse:
        quiet = QuietHours(*data.quiet_hours.times()) if data.quiet_hours else None
        change = PreferenceChange(
            timezone=data.timezone,
            quiet_hours=quiet,
            choices=[
                (NotificationType(p.type), Channel(p.channel), Cadence(p.cadence))
                for p in data.preferences
            ],
        )
        return PreferencesResponse.from_domain(await use_case(principal, change))
