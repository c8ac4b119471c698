"""Bearer-token authentication for every route except the public ones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import structlog
from dishka import Provider, Scope, provide
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware

from lms_platform.kernel.principal import Principal
from lms_platform.security.verifier import InvalidToken, TokenVerifier

# Health, readiness, metrics and the OpenAPI document are public; so are login and JWKS,
# which the auth service adds to its own list.
DEFAULT_PUBLIC_PATHS = ("^/health$", "^/ready$", "^/metrics$", "^/schema")

_log = structlog.get_logger("lms.auth")


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    def __init__(self, app: Any, verifier: TokenVerifier, exclude: list[str]) -> None:
        super().__init__(app, exclude=exclude)
        self._verifier = verifier

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        authorization = connection.headers.get("authorization")
        if not authorization:
            raise NotAuthorizedException("A bearer token is required.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("The Authorization header must be 'Bearer <token>'.")
        try:
            principal = await self._verifier.verify(token.strip())
        except InvalidToken as exc:
            _log.info("token_rejected", reason=exc.reason)
            raise NotAuthorizedException("The token is invalid or expired.") from exc
        return AuthenticationResult(user=principal, auth=token)


def bearer_auth_middleware(
    verifier: TokenVerifier, public_paths: Iterable[str] = DEFAULT_PUBLIC_PATHS
) -> DefineMiddleware:
    return DefineMiddleware(BearerTokenMiddleware, verifier=verifier, exclude=list(public_paths))


class PrincipalProvider(Provider):
    """Makes the authenticated ``Principal`` injectable into request-scoped use cases."""

    @provide(scope=Scope.REQUEST)
    def principal(self, request: Request) -> Principal:
        user = request.scope.get("user")
        if not isinstance(user, Principal):
            raise NotAuthorizedException("A bearer token is required.")
        return user


def require_permissions(*permissions: str) -> Any:
    """A Litestar guard for the edge: the token must carry every permission. Use cases still
    check roles and tenancy themselves; this only rejects hopeless requests early."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
        user = connection.scope.get("user")
        if not isinstance(user, Principal):
            raise NotAuthorizedException("A bearer token is required.")
        missing = [p for p in permissions if not user.has_permission(p)]
        if missing and not user.is_super_admin:
            raise PermissionDeniedException(f"missing permission: {', '.join(missing)}")

    return guard
