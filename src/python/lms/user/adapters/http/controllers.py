"""The user API. Handlers translate HTTP to use-case calls and back; rules live in the use cases.

There is no ``POST /users``: a profile is made from auth's ``account.registered`` (under the
account's id, with the account's roles), so creating a user means inviting them in auth."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, put
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from lms.user.adapters.http.schemas import (
    PatchUserRequest,
    PreferencesBody,
    ReplaceUserRequest,
    UserResponse,
)
from lms.user.application.use_cases import (
    DeleteProfile,
    GetPreferences,
    GetProfile,
    ListProfiles,
    PatchProfile,
    UpdatePreferences,
    UpdateProfile,
)
from lms.user.domain.model import Profile, ProfileStatus
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
from lms_platform.kernel.errors import PreconditionFailed
from lms_platform.kernel.pagination import DEFAULT_LIMIT
from lms_platform.kernel.principal import Principal

_ETAG = ResponseHeader(
    name="ETag", description="The profile version, for If-Match", documentation_only=True
)


_ETAG_VALUE = re.compile(r'(?:W/)?"([0-9]{1,18})"')
_IF_MATCH = HeaderParameter(
    name="If-Match",
    description="The ETag of a read: the change applies only to that version, else 412",
)


def _expected_version(if_match: str | None) -> int | None:
    """RFC 9110: ``*`` matches any current version; a value that is not one of our ETags
    matches none, so the precondition fails."""
    if if_match is None or if_match.strip() == "*":
        return None
    etag = _ETAG_VALUE.fullmatch(if_match.strip())
    if etag is None:
        raise PreconditionFailed("If-Match names no version of this profile; send a read's ETag")
    return int(etag.group(1))


def _with_etag(profile: Profile) -> Response[UserResponse]:
    return Response(UserResponse.from_domain(profile), headers={"ETag": f'"{profile.version}"'})


class UserController(Controller):
    path = "/users"
    tags = ["users"]

    @get(
        "/",
        summary="List and search users of the caller's college",
        description="Pages follow `next_cursor`; the order is stable while profiles change. "
        "`q` matches any part of the display name or email, case-insensitively.",
        responses=problems(403),
    )
    @inject
    async def list_users(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListProfiles],
        q: Annotated[
            str | None,
            QueryParameter(max_length=100, description="Name or email contains"),
        ] = None,
        role: Annotated[str | None, QueryParameter(max_length=32)] = None,
        status: FromQuery[Literal["active", "deactivated", "deleted"] | None] = None,
        sort: FromQuery[
            Literal["display_name", "-display_name", "email", "-email", "created_at", "-created_at"]
        ] = "display_name",
        limit: LimitQuery = DEFAULT_LIMIT,
        cursor: CursorQuery = None,
        offset: OffsetQuery = 0,
        include_total: IncludeTotalQuery = False,
    ) -> CursorPageResponse[UserResponse]:
        binding = query_binding("users", q=q, role=role, status=status, sort=sort)
        page = await use_case(
            principal,
            cursor_page_request(
                limit=limit,
                cursor=cursor,
                offset=offset,
                include_total=include_total,
                binding=binding,
            ),
            search=q,
            role=role,
            status=ProfileStatus(status) if status else None,
            sort=sort,
        )
        return to_cursor_page_response(page, UserResponse.from_domain, binding)

    @get(
        "/{user_id:uuid}",
        response_headers=[_ETAG],
        summary="Get a user profile",
        responses=problems(403),
    )
    @inject
    async def get_user(
        self,
        user_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetProfile],
    ) -> Response[UserResponse]:
        return _with_etag(await use_case(principal, user_id))

    @put(
        "/{user_id:uuid}",
        response_headers=[_ETAG],
        summary="Replace a user profile's editable fields",
        responses=problems(403, 412),
    )
    @inject
    async def replace_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[ReplaceUserRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdateProfile],
        if_match: Annotated[str | None, _IF_MATCH] = None,
    ) -> Response[UserResponse]:
        fields = {
            "display_name": data.display_name,
            "avatar_url": data.avatar_url,
            "bio": data.bio,
            "timezone": data.timezone,
            "locale": data.locale,
        }
        return _with_etag(await use_case(principal, user_id, fields, _expected_version(if_match)))

    @patch(
        "/{user_id:uuid}",
        response_headers=[_ETAG],
        summary="Change some fields of a user profile",
        responses=problems(403, 412),
    )
    @inject
    async def patch_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[PatchUserRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[PatchProfile],
        if_match: Annotated[str | None, _IF_MATCH] = None,
    ) -> Response[UserResponse]:
        return _with_etag(
            await use_case(principal, user_id, data.changes(), _expected_version(if_match))
        )

    @delete(
        "/{user_id:uuid}",
        summary="Soft-delete a user profile (college admin)",
        responses=problems(403),
    )
    @inject
    async def delete_user(
        self,
        user_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteProfile],
    ) -> None:
        await use_case(principal, user_id)

    @get(
        "/{user_id:uuid}/preferences",
        summary="Get a user's preferences",
        responses=problems(403),
    )
    @inject
    async def get_preferences(
        self,
        user_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetPreferences],
    ) -> PreferencesBody:
        return PreferencesBody.from_domain(await use_case(principal, user_id))

    @put(
        "/{user_id:uuid}/preferences",
        summary="Replace a user's preferences",
        responses=problems(403),
    )
    @inject
    async def put_preferences(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[PreferencesBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdatePreferences],
    ) -> PreferencesBody:
        return PreferencesBody.from_domain(await use_case(principal, user_id, data.to_domain()))
