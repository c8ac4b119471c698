"""The auth API. Handlers translate HTTP to use-case calls and back; rules live in the use cases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import (
    NotAuthorizedException,
    PermissionDeniedException,
    TooManyRequestsException,
)
from litestar.params import FromPath, JSONBody, Parameter

from lms.auth.adapters.http.schemas import (
    AccountResponse,
    CollegeResponse,
    CreateAccountRequest,
    CreateCollegeRequest,
    JwksResponse,
    LoginRequest,
    RefreshRequest,
    RevokedSigningKeyResponse,
    SigningKeyResponse,
    TokenResponse,
)
from lms.auth.application.accounts import (
    DeactivateAccount,
    NewAccount,
    ReactivateAccount,
    RegisterAccount,
)
from lms.auth.application.colleges import CreateCollege, NewCollege
from lms.auth.application.errors import (
    BAD_CREDENTIALS,
    AccountDisabled,
    InvalidCredentials,
    LoginThrottled,
)
from lms.auth.application.keys import PublishedKeys, RevokeSigningKey, RotateSigningKey
from lms.auth.application.ports import AccessTokenSigner
from lms.auth.application.tokens import Login, LoginAttempt, Logout, Refresh
from lms.auth.config import AuthSettings
from lms.auth.domain.model import CharacterClass
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal

JWKS_PATH = "/.well-known/jwks.json"
# Regexes for create_app's public_paths: everything else needs a bearer token. The OpenAPI
# document derives these routes' empty ``security`` from the same list.
PUBLIC_PATHS = (
    "^/\\.well-known/jwks\\.json$",
    "^/auth/login$",
    "^/auth/refresh$",
    "^/auth/logout$",
    # Credentials: an emailed token, or only a rate limit, is the proof.
    "^/auth/password-reset/(request|complete)$",
    "^/auth/verify-email$",
    "^/auth/invitations/accept$",
    "^/auth/signup$",
    "^/auth/api-key/token$",  # the X-API-Key header is the proof
)
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# A signing key's id is a UUID's hex; any other is simply not found.
Kid = Annotated[str, Parameter(schema_extra={"pattern": "^[0-9a-f]{32}$"})]


@contextmanager
def _authentication_errors() -> Iterator[None]:
    try:
        yield
    except InvalidCredentials as exc:
        raise NotAuthorizedException(BAD_CREDENTIALS) from exc
    except LoginThrottled as exc:
        raise TooManyRequestsException(
            exc.detail, headers={"Retry-After": str(exc.retry_after_seconds)}
        ) from exc
    except AccountDisabled as exc:
        raise PermissionDeniedException(exc.detail) from exc


class JwksCache:
    """The JWKS route is public: without this, every anonymous request would read the key
    table. A rotation in this process clears it; other processes catch up within the TTL."""

    def __init__(self, ttl_seconds: float = 5.0) -> None:
        self._ttl = ttl_seconds
        self._document: JwksResponse | None = None
        self._loaded_at = 0.0

    async def get(self, load: PublishedKeys) -> JwksResponse:
        if self._document is None or time.monotonic() - self._loaded_at > self._ttl:
            self._document = JwksResponse(keys=await load())
            self._loaded_at = time.monotonic()
        return self._document

    def clear(self) -> None:
        self._document = None


def client_address(request: Request[Any, Any, Any], trust_forwarded_for: bool) -> str:
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.client.host if request.client else "unknown"


class TokenController(Controller):
    """Public: the credential in the body is the proof."""

    tags = ["tokens"]

    @get(JWKS_PATH, summary="The public keys that verify access tokens (JWKS)")
    @inject
    async def jwks(
        self, cache: FromDishka[JwksCache], use_case: FromDishka[PublishedKeys]
    ) -> Response[JwksResponse]:
        # Short caching: a rotated-in key must reach verifiers quickly.
        return Response(await cache.get(use_case), headers={"Cache-Control": "public, max-age=60"})

    @post(
        "/auth/login",
        status_code=200,
        summary="Exchange a password for tokens",
        responses=problems(401, 403, 429),
    )
    @inject
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        settings: FromDishka[AuthSettings],
        use_case: FromDishka[Login],
    ) -> Response[TokenResponse]:
        attempt = LoginAttempt(
            college=data.college,
            email=data.email,
            password=data.password,
            client_ip=client_address(request, settings.trust_forwarded_for),
        )
        with _authentication_errors():
            pair = await use_case(attempt)
        return Response(TokenResponse.from_pair(pair), status_code=200, headers=_NO_STORE)

    @post(
        "/auth/refresh",
        status_code=200,
        summary="Rotate a refresh token for new tokens",
        responses=problems(401, 403, 429),
    )
    @inject
    async def refresh(
        self, data: JSONBody[RefreshRequest], use_case: FromDishka[Refresh]
    ) -> Response[TokenResponse]:
        with _authentication_errors():
            pair = await use_case(data.refresh_token)
        return Response(TokenResponse.from_pair(pair), status_code=200, headers=_NO_STORE)

    @post("/auth/logout", status_code=204, summary="Revoke a refresh token's family")
    @inject
    async def logout(self, data: JSONBody[RefreshRequest], use_case: FromDishka[Logout]) -> None:
        await use_case(data.refresh_token)


class AdminController(Controller):
    tags = ["administration"]

    @post("/colleges", summary="Create a college (super admin)", responses=problems(403, 409))
    @inject
    async def create_college(
        self,
        data: JSONBody[CreateCollegeRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[CreateCollege],
    ) -> Response[CollegeResponse]:
        college = await use_case(
            principal,
            NewCollege(
                slug=data.slug,
                name=data.name,
                min_password_length=data.min_password_length,
                required_character_classes=tuple(
                    CharacterClass(c) for c in data.required_character_classes
                ),
                rejected_passwords=(
                    tuple(data.rejected_passwords) if data.rejected_passwords is not None else None
                ),
            ),
        )
        return Response(CollegeResponse.from_domain(college), status_code=201)

    @post(
        "/colleges/{college_id:uuid}/accounts",
        summary="Create an account (college admin)",
        responses=problems(403, 409),
    )
    @inject
    async def create_account(
        self,
        college_id: FromPath[UUID],
        data: JSONBody[CreateAccountRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[RegisterAccount],
    ) -> Response[AccountResponse]:
        account = await use_case(
            principal,
            NewAccount(
                college_id=college_id,
                email=data.email,
                password=data.password,
                roles=tuple(data.roles),
                display_name=data.display_name,
            ),
        )
        return Response(AccountResponse.from_domain(account), status_code=201)

    @post(
        "/accounts/{account_id:uuid}/deactivate",
        status_code=200,
        summary="Deactivate an account: no login, refresh tokens revoked (college admin)",
        responses=problems(403, 409),
    )
    @inject
    async def deactivate(
        self,
        account_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeactivateAccount],
    ) -> AccountResponse:
        return AccountResponse.from_domain(await use_case(principal, account_id))

    @post(
        "/accounts/{account_id:uuid}/reactivate",
        status_code=200,
        summary="Reactivate an account (college admin)",
        responses=problems(403),
    )
    @inject
    async def reactivate(
        self,
        account_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ReactivateAccount],
    ) -> AccountResponse:
        return AccountResponse.from_domain(await use_case(principal, account_id))

    @post(
        "/signing-keys/rotate",
        status_code=201,
        summary="Publish a new key; it signs after the publish-ahead delay (old keys: until expiry)",
        responses=problems(403),
    )
    @inject
    async def rotate_signing_key(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[RotateSigningKey],
        jwks: FromDishka[JwksCache],
    ) -> SigningKeyResponse:
        key = await use_case(principal)
        jwks.clear()
        return SigningKeyResponse.from_domain(key)

    @post(
        "/signing-keys/{kid:str}/revoke",
        status_code=200,
        summary="Unpublish a key that may have leaked, at once (a new key signs if it did)",
        responses=problems(403),
    )
    @inject
    async def revoke_signing_key(
        self,
        kid: Kid,
        principal: FromDishka[Principal],
        use_case: FromDishka[RevokeSigningKey],
        jwks: FromDishka[JwksCache],
        signer: FromDishka[AccessTokenSigner],
    ) -> RevokedSigningKeyResponse:
        revoked, replacement = await use_case(principal, kid)
        jwks.clear()
        signer.forget_key()
        return RevokedSigningKeyResponse(
            kid=revoked.kid,
            revoked_at=revoked.revoked_at,
            replaced_by=SigningKeyResponse.from_domain(replacement) if replacement else None,
        )
