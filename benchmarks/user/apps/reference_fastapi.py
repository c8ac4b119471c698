"""Reference (3): the same endpoint as a careful FastAPI user writes it: an auth dependency
(HTTPBearer + PyJWT), an async SQLAlchemy session dependency, a mapped ORM class and a pydantic
response model. Async all the way (no threadpool hops), one engine with a sized pool,
``expire_on_commit=False``; no cache and no instrumentation."""

# No ``from __future__ import annotations``: FastAPI evaluates the ``Depends(...)`` annotations,
# which name closures of ``create_app``.

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, FastAPI, HTTPException, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from benchmarks.user.apps.common import REQUIRED_CLAIMS, ReferenceConfig, may_read


class Base(DeclarativeBase):
    pass


class Profile(Base):
    __tablename__ = "profiles"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(100))
    avatar_url: Mapped[str | None] = mapped_column(Text)
    bio: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(35))
    roles: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    status: Mapped[str] = mapped_column(String(16))
    preferences: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    college_id: str = Field(validation_alias="tenant_id")
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


@dataclass(frozen=True)
class Principal:
    user_id: str
    college: str
    roles: list[str]


def create_app(config: ReferenceConfig) -> FastAPI:
    key = config.verification_key()
    engine = create_async_engine(
        "postgresql+asyncpg://" + config.dsn.split("://", 1)[1],
        pool_size=config.pool_size,
        max_overflow=config.pool_size,
    )
    session_factory = async_sessionmaker(engine, expire_on_commit=False)
    bearer = HTTPBearer()

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with session_factory() as session:
            yield session

    async def current_principal(
        credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    ) -> Principal:
        try:
            claims = jwt.decode(
                credentials.credentials,
                key,
                algorithms=["RS256"],
                audience=config.audience,
                issuer=config.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.InvalidTokenError as exc:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "The token is invalid or expired.") from exc
        return Principal(user_id=claims["sub"], college=claims["college"], roles=claims.get("roles", []))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/users/{user_id}", response_model=UserOut)
    async def get_user(
        user_id: UUID,
        response: Response,
        principal: Annotated[Principal, Depends(current_principal)],
        session: Annotated[AsyncSession, Depends(get_session)],
    ) -> Profile:
        profile = await session.get(Profile, user_id)
        if profile is None or profile.deleted_at is not None or profile.tenant_id != principal.college:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "user not found")
        if not may_read(principal.user_id, principal.college, principal.roles, str(user_id), profile.tenant_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "you may only view your own profile")
        response.headers["ETag"] = f'"{profile.version}"'
        return profile

    return app
