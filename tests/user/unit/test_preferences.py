"""GET and PUT /users/{id}/preferences: private to the user and college admins."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from lms.user.application.use_cases import GetPreferences, UpdatePreferences
from lms.user.domain.events import UserUpdated, profile_snapshot
from lms.user.domain.model import DigestFrequency, Preferences, Theme
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.unit.fakes import (
    T0,
    FakeCache,
    FakeUnitOfWork,
    FixedClock,
    admin_of,
    assert_nothing_written,
    make_profile,
    principal_for,
    self_of,
    super_admin,
    the_only_event,
)

ADA = make_profile(id=UUID(int=1), tenant_id="college-a")
NOW = T0 + timedelta(hours=1)
QUIET = Preferences(
    email_notifications=False,
    push_notifications=False,
    digest_frequency=DigestFrequency.WEEKLY,
    theme=Theme.DARK,
    high_contrast=True,
    reduced_motion=True,
    show_profile_to_classmates=False,
)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([ADA])


@pytest.fixture()
def get_preferences(uow: FakeUnitOfWork, cache: FakeCache) -> GetPreferences:
    return GetPreferences(uow.repository, cache)


@pytest.fixture()
def put_preferences(uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache) -> UpdatePreferences:
    return UpdatePreferences(uow, clock, cache)


# -- GET


@pytest.mark.parametrize(
    "principal",
    [self_of(ADA), admin_of("college-a"), super_admin()],
    ids=["self", "college-admin", "super-admin"],
)
async def test_user_and_admins_read_preferences(
    get_preferences: GetPreferences, principal: Principal
) -> None:
    assert await get_preferences(principal, ADA.id) == Preferences()


@pytest.mark.parametrize(
    "principal",
    [
        principal_for(Role.INSTRUCTOR, tenant_id="college-a"),
        principal_for(Role.TEACHING_ASSISTANT, tenant_id="college-a"),
        principal_for(Role.STUDENT, tenant_id="college-a"),
    ],
    ids=["instructor", "ta", "another-student"],
)
async def test_staff_who_may_read_the_profile_may_not_read_its_preferences(
    get_preferences: GetPreferences, principal: Principal
) -> None:
    with pytest.raises(PermissionDenied):
        await get_preferences(principal, ADA.id)


async def test_another_colleges_preferences_are_not_found(get_preferences: GetPreferences) -> None:
    with pytest.raises(NotFound):
        await get_preferences(admin_of("college-b"), ADA.id)


async def test_reading_preferences_goes_through_the_cache(
    get_preferences: GetPreferences, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    await get_preferences(self_of(ADA), ADA.id)
    reads = uow.repository.reads
    await get_preferences(self_of(ADA), ADA.id)
    assert uow.repository.reads == reads
    assert cache.hits == 1


# -- PUT


async def test_user_replaces_own_preferences(
    put_preferences: UpdatePreferences, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    assert await put_preferences(self_of(ADA), ADA.id, QUIET) == QUIET
    stored = uow.repository.committed(ADA.id)
    assert stored is not None
    assert stored.preferences == QUIET
    assert (stored.version, stored.updated_at) == (2, NOW)
    assert cache.invalidations == [ADA.id]


async def test_put_preferences_records_one_user_updated_event(
    put_preferences: UpdatePreferences, uow: FakeUnitOfWork
) -> None:
    await put_preferences(self_of(ADA), ADA.id, QUIET)
    event = the_only_event(uow)
    assert isinstance(event, UserUpdated)
    assert (event.aggregate_id, event.tenant_id) == (str(ADA.id), "college-a")
    stored = uow.repository.committed(ADA.id)
    assert stored is not None
    assert event.payload() == {
        "changed_fields": ["preferences"],
        "profile": profile_snapshot(stored),
    }


async def test_admin_replaces_a_users_preferences(
    put_preferences: UpdatePreferences, uow: FakeUnitOfWork
) -> None:
    await put_preferences(admin_of("college-a"), ADA.id, QUIET)
    stored = uow.repository.committed(ADA.id)
    assert stored is not None
    assert stored.preferences == QUIET


async def test_unchanged_preferences_commit_nothing(
    put_preferences: UpdatePreferences, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    before = uow.repository.committed_rows()
    assert await put_preferences(self_of(ADA), ADA.id, Preferences()) == Preferences()
    assert_nothing_written(uow, before)
    assert cache.invalidations == []


@pytest.mark.parametrize(
    ("principal", "error"),
    [
        (principal_for(Role.INSTRUCTOR, tenant_id="college-a"), PermissionDenied),
        (principal_for(Role.STUDENT, tenant_id="college-a"), PermissionDenied),
        (admin_of("college-b"), NotFound),
    ],
    ids=["instructor", "another-student", "another-college"],
)
async def test_others_cannot_replace_preferences(
    put_preferences: UpdatePreferences,
    uow: FakeUnitOfWork,
    principal: Principal,
    error: type[Exception],
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(error):
        await put_preferences(principal, ADA.id, QUIET)
    assert_nothing_written(uow, before)


async def test_preferences_of_a_deleted_profile_are_not_found(
    clock: FixedClock, cache: FakeCache
) -> None:
    gone = make_profile(id=UUID(int=3))
    gone.delete(T0)
    uow = FakeUnitOfWork([gone])
    with pytest.raises(NotFound):
        await UpdatePreferences(uow, clock, cache)(admin_of(), gone.id, QUIET)
    with pytest.raises(NotFound):
        await GetPreferences(uow.repository, cache)(admin_of(), gone.id)


async def test_a_read_after_a_write_sees_the_new_preferences(
    get_preferences: GetPreferences, put_preferences: UpdatePreferences
) -> None:
    assert await get_preferences(self_of(ADA), ADA.id) == Preferences()  # warms the cache
    await put_preferences(self_of(ADA), ADA.id, QUIET)
    assert await get_preferences(self_of(ADA), ADA.id) == QUIET
