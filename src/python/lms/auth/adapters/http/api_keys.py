"""API keys over HTTP: college admins manage them; holders exchange one (in ``X-API-Key``) for
a short-lived access token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Response, get, post
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from lms.auth.application.api_keys import (
    ApiKeyView,
    CreateApiKey,
    ExchangeApiKey,
    GetApiKey,
    IssuedApiKey,
    ListApiKeys,
    NewApiKey,
    RevokeApiKey,
    RotateApiKey,
)
from lms.auth.application.errors import BAD_CREDENTIALS, InvalidCredentials
from lms.auth.domain.api_keys import (
    DEFAULT_OVERLAP,
    GRANTABLE_SCOPES,
    MAX_NAME,
    MAX_OVERLAP,
    MAX_PRESENTED_KEY,
    ApiKeyStatus,
)
from lms_platform.http.openapi import documented, problems
from lms_platform.http.pagination import (
    OffsetQuery,
    PageResponse,
    page_request,
    to_page_response,
)
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.text import NOT_BLANK_PATTERN

API_KEY_HEADER = "X-API-Key"
EXCHANGE_PATH = "/auth/api-key/token"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
Scope = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64), documented(enum=sorted(GRANTABLE_SCOPES))
]


class CreateApiKeyRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Annotated[
        str, msgspec.Meta(min_length=1, max_length=MAX_NAME), documented(pattern=NOT_BLANK_PATTERN)
    ]
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1, max_length=64)]
    expires_at: datetime | None = None


class RotateApiKeyRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    overlap_seconds: Annotated[int, msgspec.Meta(ge=0, le=int(MAX_OVERLAP.total_seconds()))] = int(
        DEFAULT_OVERLAP.total_seconds()
    )


class ApiKeyResponse(msgspec.Struct, kw_only=True):
    """Never the secret nor its hash."""

    id: UUID
    prefix: str  # what the presented key starts with, to tell keys apart in logs
    college_id: UUID
    name: str
    scopes: list[str]
    status: str
    created_at: datetime
    created_by: UUID | None
    expires_at: datetime | None
    rotated_at: datetime | None
    previous_secret_valid_until: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    usage_count: int

    @classmethod
    def from_view(cls, view: ApiKeyView) -> ApiKeyResponse:
        key = view.key
        return cls(
            id=key.id,
            prefix=f"lmsk_{key.id.hex}",
            college_id=key.college_id,
            name=key.name,
            scopes=list(key.scopes),
            status=view.status.value,
            created_at=key.created_at,
            created_by=key.created_by,
            expires_at=key.expires_at,
            rotated_at=key.rotated_at,
            previous_secret_valid_until=key.previous_valid_until,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
            usage_count=key.usage_count,
        )


class IssuedApiKeyResponse(msgspec.Struct, kw_only=True):
    key: str  # shown this once; only a hash is kept
    api_key: ApiKeyResponse

    @classmethod
    def from_issued(cls, issued: IssuedApiKey) -> IssuedApiKeyResponse:
        return cls(key=issued.plaintext, api_key=ApiKeyResponse.from_view(issued.view))


class ApiKeyTokenResponse(msgspec.Struct, kw_only=True):
    access_token: str
    token_type: str
    expires_in: int
    scopes: list[str]


class ApiKeyExchangeController(Controller):
    """Public: the key in the header is the proof."""

    tags = ["tokens"]

    @post(
        EXCHANGE_PATH,
        status_code=200,
        summary="Exchange an API key (X-API-Key header) for a short-lived access token",
        responses=problems(401),
    )
    @inject
    async def exchange(
        self,
        use_case: FromDishka[ExchangeApiKey],
        presented: Annotated[
            str, HeaderParameter(name=API_KEY_HEADER, description="The API key, lmsk_...")
        ] = "",
    ) -> Response[ApiKeyTokenResponse]:
        if not presented or len(presented) > MAX_PRESENTED_KEY:
            raise NotAuthorizedException(BAD_CREDENTIALS)
        try:
            token = await use_case(presented)
        except InvalidCredentials as exc:
            raise NotAuthorizedException(BAD_CREDENTIALS) from exc
        body = ApiKeyTokenResponse(
            access_token=token.access_token,
            token_type=token.token_type,
            expires_in=token.expires_in,
            scopes=list(token.scopes),
        )
        return Response(body, headers=_NO_STORE)


class ApiKeyController(Controller):
    tags = ["api keys"]

    @post(
        "/colleges/{college_id:uuid}/api-keys",
        summary="Create an API key; the key is shown only in this response (college admin)",
        responses=problems(403),
    )
    @inject
    async def create(
        self,
        college_id: FromPath[UUID],
        data: JSONBody[CreateApiKeyRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[CreateApiKey],
    ) -> Response[IssuedApiKeyResponse]:
        issued = await use_case(
            principal,
            NewApiKey(
                college_id=college_id,
                name=data.name,
                scopes=tuple(data.scopes),
                expires_at=data.expires_at,
            ),
        )
        return Response(
            IssuedApiKeyResponse.from_issued(issued), status_code=201, headers=_NO_STORE
        )

    @get(
        "/colleges/{college_id:uuid}/api-keys",
        summary="List a college's API keys, newest first",
        responses=problems(403),
    )
    @inject
    async def list_keys(
        self,
        college_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ListApiKeys],
        status: Annotated[ApiKeyStatus | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: OffsetQuery = 0,
    ) -> PageResponse[ApiKeyResponse]:
        page = await use_case(principal, college_id, status, page_request(limit, offset))
        return to_page_response(page, ApiKeyResponse.from_view)

    @get(
        "/api-keys/{key_id:uuid}", summary="One API key (never its secret)", responses=problems(403)
    )
    @inject
    async def get_key(
        self,
        key_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetApiKey],
    ) -> ApiKeyResponse:
        return ApiKeyResponse.from_view(await use_case(principal, key_id))

    @post(
        "/api-keys/{key_id:uuid}/rotate",
        status_code=200,
        summary="New secret, shown once; the previous one works until the overlap ends",
        responses=problems(403, 409),
    )
    @inject
    async def rotate(
        self,
        key_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[RotateApiKey],
        data: JSONBody[RotateApiKeyRequest | None] = None,
    ) -> Response[IssuedApiKeyResponse]:
        overlap = data.overlap_seconds if data is not None else int(DEFAULT_OVERLAP.total_seconds())
        issued = await use_case(principal, key_id, timedelta(seconds=overlap))
        return Response(IssuedApiKeyResponse.from_issued(issued), headers=_NO_STORE)

    @post(
        "/api-keys/{key_id:uuid}/revoke",
        status_code=200,
        summary="Revoke an API key: every secret of it stops working at once",
        responses=problems(403, 409),
    )
    @inject
    async def revoke(
        self,
        key_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[RevokeApiKey],
    ) -> ApiKeyResponse:
        return ApiKeyResponse.from_view(await use_case(principal, key_id))
