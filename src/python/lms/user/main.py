"""Composition root of the user service: one dishka container wired into Litestar and FastStream.

``run()`` is the PEX entry point: ``user serve`` (HTTP, outbox relay and consumers in one
process), ``user migrate`` and ``user worker`` (relay and consumers without HTTP).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dishka import AsyncContainer, Provider, Scope, make_async_container, provide
from dishka.integrations.litestar import LitestarProvider
from litestar import Litestar
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from lms.user.adapters.cache.redis_cache import RedisProfileCache
from lms.user.adapters.http.controllers import UserController
from lms.user.adapters.messaging.consumers import UserConsumers
from lms.user.adapters.persistence.repository import SqlAlchemyProfileReader
from lms.user.adapters.persistence.unit_of_work import UserSqlAlchemyUnitOfWork
from lms.user.application.ports import ProfileCache, ProfileReader, UserUnitOfWork
from lms.user.application.use_cases import (
    CreateProfile,
    CreateProfileFromAccount,
    DeleteProfile,
    GetPreferences,
    GetProfile,
    ListProfiles,
    PatchProfile,
    UpdatePreferences,
    UpdateProfile,
)
from lms.user.config import UserSettings, load_user_settings
from lms_platform.http import PrincipalProvider, create_app
from lms_platform.http.serving import configure_process, run_worker, serve_http
from lms_platform.logging import get_logger
from lms_platform.messaging.relay import OutboxRelay
from lms_platform.persistence import (
    DatabaseProvider,
    create_engine,
    database_ready_check,
    upgrade_to_head,
)
from lms_platform.persistence.unit_of_work import EventStager
from lms_platform.providers import ServiceBasicsProvider
from lms_platform.security import JWKSKeySource, KeySource, TokenVerifier

MIGRATIONS_DIR = Path(__file__).parent / "adapters" / "persistence" / "migrations"

_log = get_logger("lms.user")


class UserInfrastructureProvider(Provider):
    """Clients and adapters that live as long as the process (APP scope)."""

    def __init__(self, settings: UserSettings) -> None:
        super().__init__()
        self._settings = settings

    @provide(scope=Scope.APP)
    def cache(self, redis: Redis) -> ProfileCache:
        return RedisProfileCache(
            redis, service=self._settings.service_name, ttl_seconds=self._settings.cache_ttl_seconds
        )

    @provide(scope=Scope.APP)
    def profile_reader(self, sessions: async_sessionmaker[AsyncSession]) -> ProfileReader:
        return SqlAlchemyProfileReader(sessions)

    @provide(scope=Scope.REQUEST)
    def unit_of_work(self, session: AsyncSession, events: EventStager) -> UserUnitOfWork:
        return UserSqlAlchemyUnitOfWork(session, events)


class UserUseCasesProvider(Provider):
    scope = Scope.REQUEST
    # Queries hold only APP-scoped parts (reader, cache): built once, not per request.
    queries = provide(GetProfile, scope=Scope.APP) + provide(GetPreferences, scope=Scope.APP)
    commands = (
        provide(CreateProfile)
        + provide(UpdateProfile)
        + provide(PatchProfile)
        + provide(DeleteProfile)
        + provide(ListProfiles)
        + provide(UpdatePreferences)
        + provide(CreateProfileFromAccount)
    )


def build_container(settings: UserSettings, engine: AsyncEngine, redis: Redis) -> AsyncContainer:
    from dishka_faststream import FastStreamProvider

    return make_async_container(
        LitestarProvider(),
        FastStreamProvider(),
        PrincipalProvider(),
        DatabaseProvider(engine),
        ServiceBasicsProvider(settings, redis),
        UserInfrastructureProvider(settings),
        UserUseCasesProvider(),
    )


class UserService:
    """Everything one process of the user service runs, built from settings."""

    def __init__(self, settings: UserSettings, *, key_source: KeySource | None = None) -> None:
        self.settings = settings
        self.engine = create_engine(
            settings.database_url,
            service=settings.service_name,
            pool_size=settings.database_pool_size,
        )
        self.redis = Redis.from_url(settings.redis_url)
        self.container = build_container(settings, self.engine, self.redis)
        self.verifier = TokenVerifier(
            key_source or JWKSKeySource(settings.jwks_url),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        self.relay = OutboxRelay(
            self.engine,
            settings.kafka_bootstrap_servers,
            settings.service_name,
            enable_idempotence=settings.kafka_enable_idempotence,
        )
        self.consumers = UserConsumers(
            settings, self.container, session_timeout_ms=settings.consumer_session_timeout_ms
        )

    async def start_background(self) -> None:
        if self.settings.run_relay:
            await self.relay.start()
        if self.settings.run_consumers:
            await self.consumers.start()

    async def stop_background(self) -> None:
        await self.consumers.stop()
        await self.relay.stop()

    async def dispose(self) -> None:
        await self.engine.dispose()

    def http_app(self) -> Litestar:
        async def redis_ready() -> None:
            await self.redis.ping()

        return create_app(
            settings=self.settings,
            route_handlers=[UserController],
            container=self.container,
            verifier=self.verifier,
            title="LMS user service",
            description="Profiles and preferences of the users of each college.",
            readiness_checks={
                "postgres": database_ready_check(self.engine),
                "redis": redis_ready,
            },
            on_startup=[self.start_background],
            on_shutdown=[self.stop_background, self.dispose],
        )


def create_user_app(
    settings: UserSettings | None = None, *, key_source: KeySource | None = None
) -> Litestar:
    return UserService(settings or load_user_settings(), key_source=key_source).http_app()


def run(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="user", description="The LMS user service.")
    parser.add_argument(
        "command", choices=["serve", "migrate", "worker"], nargs="?", default="serve"
    )
    args = parser.parse_args(argv)
    settings = load_user_settings()
    configure_process(settings)
    if args.command == "migrate":
        upgrade_to_head(MIGRATIONS_DIR, settings.database_url)
        _log.info("migrated", database=settings.database_url.rsplit("@", 1)[-1])
        return
    service = UserService(settings)
    if args.command == "worker":
        run_worker(service)
        return
    serve_http(service.http_app(), settings)


if __name__ == "__main__":
    run()
