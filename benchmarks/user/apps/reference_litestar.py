"""Reference (2): the project's ``GET /users/{id}`` done by hand with Litestar, a raw asyncpg pool,
msgspec and PyJWT. No ORM, no DI container, no cache, no metrics, tracing or logging: the
least a correct implementation can do per request (verify the token, one SELECT, encode)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg
import jwt
import msgspec
from litestar import Litestar, Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException

from benchmarks.user.apps.common import REQUIRED_CLAIMS, SELECT_PROFILE, ReferenceConfig, may_read


class UserResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    email: str
    display_name: str
    avatar_url: str | None
    bio: str | None
    timezone: str
    locale: str
    roles: list[str]
    status: str
    created_at: datetime
    updated_at: datetime
    version: int


def create_app(config: ReferenceConfig) -> Litestar:
    key = config.verification_key()
    pool: asyncpg.Pool | None = None

    async def open_pool() -> None:
        nonlocal pool
        pool = await asyncpg.create_pool(
            config.dsn, min_size=config.pool_size, max_size=config.pool_size
        )

    async def close_pool() -> None:
        if pool is not None:
            await pool.close()

    @get("/users/{user_id:uuid}")
    async def get_user(user_id: UUID, request: Request) -> Response[UserResponse]:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("A bearer token is required.")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=config.audience,
                issuer=config.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as exc:
            raise NotAuthorizedException("The token is invalid or expired.") from exc
        assert pool is not None
        row = await pool.fetchrow(SELECT_PROFILE, user_id)
        if row is None or row["tenant_id"] != claims.get("college"):
            raise NotFoundException("user not found")
        if not may_read(claims["sub"], claims["college"], claims.get("roles", []), str(user_id), row["tenant_id"]):
            raise PermissionDeniedException("you may only view your own profile")
        body = UserResponse(
            id=row["id"],
            college_id=row["tenant_id"],
            email=row["email"],
            display_name=row["display_name"],
            avatar_url=row["avatar_url"],
            bio=row["bio"],
            timezone=row["timezone"],
            locale=row["locale"],
            roles=row["roles"],
            status=row["status"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            version=row["version"],
        )
        return Response(body, headers={"ETag": f'"{row["version"]}"'})

    return Litestar(route_handlers=[get_user], on_startup=[open_pool], on_shutdown=[close_pool])
