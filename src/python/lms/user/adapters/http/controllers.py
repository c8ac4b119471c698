"""The user API. Handlers translate HTTP to use-case calls and back; rules live in the use cases."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, delete, get, patch, post, put
from litestar.datastructures import ResponseHeader
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from lms.user.adapters.http.schemas import (
    CreateUserRequest,
    PatchUserRequest,
    PreferencesBody,
    ReplaceUserRequest,
    UserResponse,
)
from lms.user.application.use_cases import (
    CreateProfile,
    DeleteProfile,
    GetPreferences,
    GetProfile,
    ListProfiles,
    NewProfile,
    PatchProfile,
    UpdatePreferences,
    UpdateProfile,
)
from lms.user.domain.model import Profile, ProfileStatus
from lms_platform.http.pagination import PageResponse, page_request, to_page_response
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT
from lms_platform.kernel.principal import Principal

_ETAG = ResponseHeader(
    name="ETag", description="The profile version, for If-Match", documentation_only=True
)


def _expected_version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip("W/").strip('"'))
    except ValueError as exc:
        raise ValidationException("If-Match must be an ETag returned by this API") from exc


def _with_etag(profile: Profile, status_code: int = 200) -> Response[UserResponse]:
    return Response(
        UserResponse.from_domain(profile),
        status_code=status_code,
        headers={"ETag": f'"{profile.version}"'},
    )


class UserController(Controller):
    path = "/users"
    tags = ["users"]

    @post("/", response_headers=[_ETAG], summary="Create a user profile (college admin)")
    @inject
    async def create_user(
        self,
        data: JSONBody[CreateUserRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[CreateProfile],
    ) -> Response[UserResponse]:
        profile = await use_case(
            principal,
            NewProfile(
                email=data.email,
                display_name=data.display_name,
                tenant_id=data.college_id,
                id=data.id,
                avatar_url=data.avatar_url,
                bio=data.bio,
                timezone=data.timezone,
                locale=data.locale,
                roles=tuple(data.roles),
            ),
        )
        return _with_etag(profile, 201)

    @get("/", summary="List and search users of the caller's college")
    @inject
    async def list_users(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[ListProfiles],
        q: Annotated[
            str | None, QueryParameter(max_length=100, description="Name or email contains")
        ] = None,
        role: Annotated[str | None, QueryParameter(max_length=32)] = None,
        status: FromQuery[Literal["active", "deactivated", "deleted"] | None] = None,
        sort: FromQuery[
            Literal["display_name", "-display_name", "email", "-email", "created_at", "-created_at"]
        ] = "display_name",
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> PageResponse[UserResponse]:
        page = await use_case(
            principal,
            page_request(limit, offset),
            search=q,
            role=role,
            status=ProfileStatus(status) if status else None,
            sort=sort,
        )
        return to_page_response(page, UserResponse.from_domain)

    @get("/{user_id:uuid}", response_headers=[_ETAG], summary="Get a user profile")
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
    )
    @inject
    async def replace_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[ReplaceUserRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdateProfile],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
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
        "/{user_id:uuid}", response_headers=[_ETAG], summary="Change some fields of a user profile"
    )
    @inject
    async def patch_user(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[PatchUserRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[PatchProfile],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> Response[UserResponse]:
        return _with_etag(
            await use_case(principal, user_id, data.changes(), _expected_version(if_match))
        )

    @delete("/{user_id:uuid}", summary="Soft-delete a user profile (college admin)")
    @inject
    async def delete_user(
        self,
        user_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteProfile],
    ) -> None:
        await use_case(principal, user_id)

    @get("/{user_id:uuid}/preferences", summary="Get a user's preferences")
    @inject
    async def get_preferences(
        self,
        user_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetPreferences],
    ) -> PreferencesBody:
        return PreferencesBody.from_domain(await use_case(principal, user_id))

    @put("/{user_id:uuid}/preferences", summary="Replace a user's preferences")
    @inject
    async def put_preferences(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[PreferencesBody],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdatePreferences],
    ) -> PreferencesBody:
        return PreferencesBody.from_domain(await use_case(principal, user_id, data.to_domain()))
