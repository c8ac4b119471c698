"""Issue 8, defect 7: a cache fill that races a write must not bring back what the write replaced.

The bad order, driven step by step on the real PostgreSQL and Redis of a running service: a
read misses the cache and loads version 1; a writer commits version 2 (or deletes the profile)
and invalidates the key; only then does the reader fill the cache with what it loaded.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from redis.asyncio import Redis

from lms.user.adapters.cache.redis_cache import RedisProfileCache
from lms.user.application.ports import ProfileCache, ProfileFilter, ProfileReader
from lms.user.application.use_cases import GetProfile
from lms.user.domain.model import Profile
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.integration.conftest import COLLEGE, RunningUserService
from tests.user.permissions import default_permissions

ADMIN = Principal(
    user_id="admin-" + COLLEGE,
    tenant_id=COLLEGE,
    roles=frozenset({Role.COLLEGE_ADMIN}),
    permissions=default_permissions([Role.COLLEGE_ADMIN]),
)


class _WriterCommitsAfterTheLoad:
    """The service's own reader, except that a writer commits between the database read and
    the moment the reader hands the row back to be cached."""

    def __init__(self, reader: ProfileReader, writer: Callable[[], Awaitable[None]]) -> None:
        self._reader, self._writer = reader, writer

    async def get(self, profile_id: uuid.UUID) -> Profile | None:
        loaded = await self._reader.get(profile_id)
        await self._writer()
        return loaded

    async def search(self, criteria: ProfileFilter, page: CursorPageRequest) -> CursorPage[Profile]:
        return await self._reader.search(criteria, page)  # the port's other half, unchanged


async def _racing_read(
    user_service: RunningUserService, profile_id: uuid.UUID, writer: Callable[[], Awaitable[None]]
) -> Profile:
    container = user_service.service.container
    reader = _WriterCommitsAfterTheLoad(await container.get(ProfileReader), writer)
    return await GetProfile(reader, await container.get(ProfileCache))(ADMIN, profile_id)


async def test_a_fill_that_loaded_version_1_does_not_overwrite_version_2(
    user_service: RunningUserService,
) -> None:
    created = await user_service.create_user()
    path = f"/users/{created['id']}"

    async def write_version_2() -> None:
        response = await user_service.client.patch(
            path, json={"bio": "version 2"}, headers=user_service.admin()
        )
        assert (response.status_code, response.json()["version"]) == (200, 2), response.text

    stale = await _racing_read(user_service, uuid.UUID(created["id"]), write_version_2)
    assert stale.version == 1  # the race happened: the reader loaded the old row

    fetched = await user_service.client.get(path, headers=user_service.admin())
    assert fetched.status_code == 200
    assert (fetched.json()["version"], fetched.json()["bio"]) == (2, "version 2")


async def test_a_fill_racing_a_delete_does_not_resurrect_the_profile(
    user_service: RunningUserService,
) -> None:
    created = await user_service.create_user()
    path = f"/users/{created['id']}"

    async def delete() -> None:
        response = await user_service.client.delete(path, headers=user_service.admin())
        assert response.status_code == 204, response.text

    stale = await _racing_read(user_service, uuid.UUID(created["id"]), delete)
    assert not stale.is_deleted  # the reader loaded the live row

    fetched = await user_service.client.get(path, headers=user_service.admin())
    assert fetched.status_code == 404, fetched.text


async def test_the_cache_never_goes_back_to_an_older_version(redis_url: str) -> None:
    """The adapter's rules, step by step on real Redis (6.2 or 7)."""
    redis = Redis.from_url(redis_url)
    cache = RedisProfileCache(redis, service="user", ttl_seconds=60, namespace="race-test")
    v1 = Profile.create(
        id=uuid.uuid4(),
        tenant_id=COLLEGE,
        email="ada@example.edu",
        display_name="Ada",
        now=datetime.now(UTC),
    )
    v2 = dataclasses.replace(v1, bio="two", version=2)
    try:
        await cache.put(v1)
        assert await cache.get(v1.id) == v1

        await cache.invalidate(v1.id, 2)  # a writer committed version 2
        assert await cache.get(v1.id) is None
        await cache.put(v1)  # a fill that loaded version 1 before that commit
        assert await cache.get(v1.id) is None
        await cache.put(v2)  # a fill that loaded the commit itself
        assert await cache.get(v1.id) == v2
        await cache.put(v1)
        assert await cache.get(v1.id) == v2

        await cache.invalidate(v1.id, 1)  # a late invalidation never lowers the version
        await cache.put(v1)
        assert await cache.get(v1.id) is None
        key = f"race-test:profile:v2:{v1.id}"
        assert await redis.hget(key, "v") == b"2"
        assert 0 < await redis.ttl(key) <= 60  # tombstones expire too
    finally:
        await redis.aclose()
