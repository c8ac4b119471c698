"""The user service's dishka providers: each port bound to its adapter, and the use cases.
The platform runtime adds the engine, sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import Sequence

from dishka import Provider, Scope, provide
from redis.asyncio import Redis

from lms.user.adapters.cache.redis_cache import RedisProfileCache
from lms.user.adapters.persistence.repository import SqlAlchemyProfileReader
from lms.user.adapters.persistence.unit_of_work import UserSqlAlchemyUnitOfWork
from lms.user.application.account_sync import (
    ChangeProfileStatusFromAccount,
    CreateProfileFromAccount,
    DeleteProfileFromAccount,
    UpdateProfileFromAccount,
)
from lms.user.application.ports import ProfileCache, ProfileReader, UserUnitOfWork
from lms.user.application.use_cases import (
    DeleteProfile,
    GetPreferences,
    GetProfile,
    ListProfiles,
    PatchProfile,
    UpdatePreferences,
    UpdateProfile,
)
from lms.user.config import UserSettings


class UserAdaptersProvider(Provider):
    def __init__(self, settings: UserSettings) -> None:
        super().__init__()
        self._settings = settings

    reader = provide(SqlAlchemyProfileReader, provides=ProfileReader, scope=Scope.APP)
    unit_of_work = provide(UserSqlAlchemyUnitOfWork, provides=UserUnitOfWork, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    def cache(self, redis: Redis) -> ProfileCache:
        return RedisProfileCache(
            redis, service=self._settings.service_name, ttl_seconds=self._settings.cache_ttl_seconds
        )


class UserUseCasesProvider(Provider):
    scope = Scope.REQUEST
    # Queries hold only APP-scoped parts (reader, cache): built once, not per request.
    queries = provide(GetProfile, scope=Scope.APP) + provide(GetPreferences, scope=Scope.APP)
    commands = (
        provide(UpdateProfile)
        + provide(PatchProfile)
        + provide(DeleteProfile)
        + provide(ListProfiles)
        + provide(UpdatePreferences)
    )
    account_events = (
        provide(CreateProfileFromAccount)
        + provide(UpdateProfileFromAccount)
        + provide(ChangeProfileStatusFromAccount)
        + provide(DeleteProfileFromAccount)
    )


def providers(settings: UserSettings) -> Sequence[Provider]:
    return [UserAdaptersProvider(settings), UserUseCasesProvider()]
