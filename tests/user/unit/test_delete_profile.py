"""DELETE /users/{id}: college admins soft-delete; the row stays, the event goes out."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from lms.user.application.account_sync import AccountRegistered, CreateProfileFromAccount
from lms.user.application.use_cases import DeleteProfile, GetProfile
from lms.user.domain.events import UserDeleted
from lms.user.domain.model import ProfileStatus
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

ADA = make_profile(id=UUID(int=1), tenant_id="college-a", email="ada@example.edu")
NOW = T0 + timedelta(days=30)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([ADA])


@pytest.fixture()
def delete(uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache) -> DeleteProfile:
    return DeleteProfile(uow, clock, cache)


async def test_admin_soft_deletes_a_profile(delete: DeleteProfile, uow: FakeUnitOfWork) -> None:
    await delete(admin_of("college-a"), ADA.id)
    stored = uow.repository.committed(ADA.id)
    assert stored is not None  # the row stays
    assert (stored.status, stored.deleted_at, stored.updated_at) == (
        ProfileStatus.DELETED,
        NOW,
        NOW,
    )
    assert stored.version == 2
    assert (stored.email, stored.display_name) == (ADA.email, ADA.display_name)


async def test_delete_records_one_user_deleted_event_and_commits_once(
    delete: DeleteProfile, uow: FakeUnitOfWork
) -> None:
    await delete(admin_of(), ADA.id)
    event = the_only_event(uow)
    assert isinstance(event, UserDeleted)
    assert event.event_type == "user.deleted"
    assert (event.aggregate_id, event.tenant_id) == (str(ADA.id), "college-a")
    assert event.payload() == {"email": "ada@example.edu", "deleted_at": NOW.isoformat()}


async def test_delete_invalidates_the_cache_so_reads_stop_at_once(
    delete: DeleteProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    get = GetProfile(uow.repository, cache)
    await get(admin_of(), ADA.id)
    assert ADA.id in cache

    await delete(admin_of(), ADA.id)
    assert cache.invalidations == [ADA.id]
    assert ADA.id not in cache
    with pytest.raises(NotFound):
        await get(admin_of(), ADA.id)


async def test_super_admin_deletes_in_any_college(
    delete: DeleteProfile, uow: FakeUnitOfWork
) -> None:
    await delete(super_admin(home_tenant="platform"), ADA.id)
    assert the_only_event(uow).tenant_id == "college-a"


@pytest.mark.parametrize(
    "principal",
    [
        self_of(ADA),
        principal_for(Role.STUDENT),
        principal_for(Role.INSTRUCTOR),
        principal_for(Role.TEACHING_ASSISTANT),
    ],
    ids=["self", "another-student", "instructor", "ta"],
)
async def test_only_admins_may_delete(
    delete: DeleteProfile, uow: FakeUnitOfWork, cache: FakeCache, principal: Principal
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(PermissionDenied):
        await delete(principal, ADA.id)
    assert_nothing_written(uow, before)
    assert cache.invalidations == []


async def test_another_colleges_admin_gets_not_found(
    delete: DeleteProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(NotFound):
        await delete(admin_of("college-b"), ADA.id)
    assert_nothing_written(uow, before)


async def test_deleting_twice_is_not_found_the_second_time(
    delete: DeleteProfile, uow: FakeUnitOfWork
) -> None:
    await delete(admin_of(), ADA.id)
    with pytest.raises(NotFound):
        await delete(admin_of(), ADA.id)
    assert uow.commits == 1
    assert len(uow.committed_events) == 1


async def test_deleting_an_unknown_id_is_not_found(
    delete: DeleteProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(NotFound):
        await delete(admin_of(), UUID(int=404))
    assert_nothing_written(uow, before)


async def test_the_email_can_be_used_again_after_delete(
    delete: DeleteProfile, uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    await delete(admin_of(), ADA.id)
    again = await CreateProfileFromAccount(uow, clock)(
        AccountRegistered(
            account_id=UUID(int=2), tenant_id="college-a", email=ADA.email, roles=("student",)
        )
    )
    assert again is not None and again.id != ADA.id
    assert [e.event_type for e in uow.committed_events] == ["user.deleted", "user.created"]
