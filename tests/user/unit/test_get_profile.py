"""GET /users/{id}: who may read which profile, and the cache-aside read path."""

from __future__ import annotations

from uuid import UUID

import pytest

from lms.user.application.use_cases import GetProfile
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.unit.fakes import (
    T0,
    FakeCache,
    FakeUnitOfWork,
    admin_of,
    make_profile,
    principal_for,
    self_of,
    super_admin,
)

ADA = make_profile(id=UUID(int=1), tenant_id="college-a", email="ada@example.edu")
BOB = make_profile(
    id=UUID(int=2), tenant_id="college-b", email="bob@example.edu", display_name="Bob"
)


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([ADA, BOB])


@pytest.fixture()
def get(uow: FakeUnitOfWork, cache: FakeCache) -> GetProfile:
    return GetProfile(uow.repository, cache)


@pytest.mark.parametrize(
    "principal",
    [
        self_of(ADA),
        admin_of("college-a"),
        principal_for(Role.INSTRUCTOR, tenant_id="college-a"),
        principal_for(Role.TEACHING_ASSISTANT, tenant_id="college-a"),
        super_admin(),
    ],
    ids=["self", "college-admin", "instructor", "ta", "super-admin"],
)
async def test_allowed_readers_get_the_stored_profile(
    get: GetProfile, uow: FakeUnitOfWork, principal: Principal
) -> None:
    assert await get(principal, ADA.id) == ADA
    assert uow.commits == 0
    assert uow.committed_events == uow.uncommitted_events == []


async def test_student_reading_another_student_is_denied(get: GetProfile) -> None:
    with pytest.raises(PermissionDenied):
        await get(principal_for(Role.STUDENT, tenant_id="college-a"), ADA.id)


@pytest.mark.parametrize(
    "principal",
    [
        admin_of("college-b"),
        principal_for(Role.INSTRUCTOR, tenant_id="college-b"),
        principal_for(Role.STUDENT, tenant_id="college-b"),
    ],
    ids=["admin", "instructor", "student"],
)
async def test_another_colleges_profile_is_not_found(get: GetProfile, principal: Principal) -> None:
    with pytest.raises(NotFound):
        await get(principal, ADA.id)


async def test_unknown_id_is_not_found(get: GetProfile, cache: FakeCache) -> None:
    with pytest.raises(NotFound):
        await get(admin_of(), UUID(int=404))
    assert cache.puts == []


async def test_deleted_profile_is_not_found_and_never_cached(cache: FakeCache) -> None:
    gone = make_profile(id=UUID(int=3))
    gone.delete(T0)
    get = GetProfile(FakeUnitOfWork([gone]).repository, cache)
    with pytest.raises(NotFound):
        await get(admin_of(), gone.id)
    assert gone.id not in cache
    assert cache.puts == []


async def test_cache_miss_reads_the_repository_and_fills_the_cache(
    get: GetProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    await get(self_of(ADA), ADA.id)
    assert (cache.misses, cache.hits) == (1, 0)
    assert uow.repository.reads == 1
    assert cache.puts == [ADA.id]
    assert cache.peek(ADA.id) == ADA


async def test_cache_hit_does_not_touch_the_repository(
    get: GetProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    await get(self_of(ADA), ADA.id)
    reads_after_first = uow.repository.reads

    assert await get(admin_of(), ADA.id) == ADA
    assert uow.repository.reads == reads_after_first
    assert cache.hits == 1
    assert cache.puts == [ADA.id]  # not written again on a hit


async def test_a_cached_profile_is_served_even_when_the_repository_lacks_it(
    cache: FakeCache,
) -> None:
    # Proves the hit path answers from the cache alone.
    await cache.put(ADA)
    empty = FakeUnitOfWork()
    assert await GetProfile(empty.repository, cache)(self_of(ADA), ADA.id) == ADA
    assert empty.repository.reads == 0


@pytest.mark.parametrize(
    ("principal", "error"),
    [
        (admin_of("college-b"), NotFound),
        (principal_for(Role.STUDENT, tenant_id="college-a"), PermissionDenied),
    ],
    ids=["another-college", "another-student"],
)
async def test_a_cache_hit_is_authorized_like_a_miss(
    cache: FakeCache, principal: Principal, error: type[Exception]
) -> None:
    await cache.put(ADA)
    with pytest.raises(error):
        await GetProfile(FakeUnitOfWork([ADA]).repository, cache)(principal, ADA.id)
