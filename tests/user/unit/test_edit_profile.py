"""PUT and PATCH /users/{id}: the user or a college admin edits, with optimistic concurrency."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from lms.user.application.use_cases import PatchProfile, UpdateProfile
from lms.user.domain.events import UserUpdated, profile_snapshot
from lms_platform.kernel.errors import InvalidInput, NotFound, PermissionDenied, PreconditionFailed
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

ADA = make_profile(
    id=UUID(int=1),
    tenant_id="college-a",
    display_name="Ada",
    avatar_url="https://cdn.example.edu/ada.png",
    bio="Analyst",
    timezone="Europe/London",
    locale="en-GB",
)
NOW = T0 + timedelta(hours=3)


@pytest.fixture()
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture()
async def uow(cache: FakeCache) -> FakeUnitOfWork:
    await cache.put(ADA)  # a warm cache, so tests can see invalidation
    return FakeUnitOfWork([ADA])


@pytest.fixture()
def patch(uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache) -> PatchProfile:
    return PatchProfile(uow, clock, cache)


@pytest.fixture()
def put(uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache) -> UpdateProfile:
    return UpdateProfile(uow, clock, cache)


# -- PATCH


async def test_user_patches_own_profile(
    patch: PatchProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    profile = await patch(self_of(ADA), ADA.id, {"bio": "Poet", "timezone": "Asia/Tokyo"})

    assert (profile.bio, profile.timezone, profile.display_name) == ("Poet", "Asia/Tokyo", "Ada")
    assert (profile.version, profile.updated_at, profile.created_at) == (2, NOW, T0)
    assert uow.repository.committed(ADA.id) == profile
    assert cache.invalidations == [ADA.id]
    assert ADA.id not in cache


async def test_patch_records_one_user_updated_event_with_the_changed_fields(
    patch: PatchProfile, uow: FakeUnitOfWork
) -> None:
    profile = await patch(
        self_of(ADA), ADA.id, {"timezone": "Asia/Tokyo", "display_name": "Ada", "bio": "Poet"}
    )
    event = the_only_event(uow)
    assert isinstance(event, UserUpdated)
    assert event.event_type == "user.updated"
    assert (event.aggregate_id, event.tenant_id) == (str(ADA.id), "college-a")
    assert event.payload() == {
        "changed_fields": ["bio", "timezone"],
        "profile": profile_snapshot(profile),
    }


@pytest.mark.parametrize(
    "principal",
    [admin_of("college-a"), super_admin(), self_of(ADA, Role.INSTRUCTOR)],
    ids=["college-admin", "super-admin", "self-as-instructor"],
)
async def test_admins_may_patch_too(
    patch: PatchProfile, uow: FakeUnitOfWork, principal: Principal
) -> None:
    await patch(principal, ADA.id, {"display_name": "Countess Lovelace"})
    stored = uow.repository.committed(ADA.id)
    assert stored is not None
    assert stored.display_name == "Countess Lovelace"
    assert the_only_event(uow).payload()["changed_fields"] == ["display_name"]


@pytest.mark.parametrize(
    "principal",
    [
        principal_for(Role.STUDENT, tenant_id="college-a"),
        principal_for(Role.INSTRUCTOR, tenant_id="college-a"),
        principal_for(Role.TEACHING_ASSISTANT, tenant_id="college-a"),
    ],
    ids=["another-student", "instructor", "ta"],
)
async def test_editing_someone_else_is_denied_and_writes_nothing(
    patch: PatchProfile, uow: FakeUnitOfWork, cache: FakeCache, principal: Principal
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(PermissionDenied):
        await patch(principal, ADA.id, {"display_name": "Hacked"})
    assert_nothing_written(uow, before)
    assert cache.invalidations == []


async def test_another_colleges_admin_gets_not_found(
    patch: PatchProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(NotFound):
        await patch(admin_of("college-b"), ADA.id, {"display_name": "Hacked"})
    assert_nothing_written(uow, before)


async def test_patching_a_deleted_or_missing_profile_is_not_found(
    clock: FixedClock, cache: FakeCache
) -> None:
    gone = make_profile(id=UUID(int=3))
    gone.delete(T0)
    uow = FakeUnitOfWork([gone])
    before = uow.repository.committed_rows()
    for missing in (gone.id, UUID(int=404)):
        with pytest.raises(NotFound):
            await PatchProfile(uow, clock, cache)(admin_of(), missing, {"bio": "x"})
    assert_nothing_written(uow, before)


async def test_the_current_version_is_accepted(patch: PatchProfile, uow: FakeUnitOfWork) -> None:
    profile = await patch(self_of(ADA), ADA.id, {"bio": "Poet"}, expected_version=1)
    assert profile.version == 2
    assert uow.commits == 1


async def test_a_stale_version_is_refused_and_writes_nothing(
    patch: PatchProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    await patch(self_of(ADA), ADA.id, {"bio": "Poet"})  # now version 2
    rows, events = uow.repository.committed_rows(), list(uow.committed_events)

    with pytest.raises(PreconditionFailed, match="version 1"):
        await patch(self_of(ADA), ADA.id, {"bio": "Painter"}, expected_version=1)
    assert uow.repository.committed_rows() == rows
    assert (uow.commits, uow.committed_events, uow.uncommitted_events) == (1, events, [])
    assert cache.invalidations == [ADA.id]


async def test_permission_is_checked_before_the_version(patch: PatchProfile) -> None:
    # A stranger must not learn the profile's version from the error.
    with pytest.raises(PermissionDenied):
        await patch(principal_for(Role.STUDENT), ADA.id, {"bio": "x"}, expected_version=99)


async def test_a_patch_that_changes_nothing_commits_nothing(
    patch: PatchProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    before = uow.repository.committed_rows()
    profile = await patch(self_of(ADA), ADA.id, {"display_name": " Ada ", "locale": "en-GB"})
    assert profile.version == 1
    assert_nothing_written(uow, before)
    assert cache.invalidations == []


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "new@example.edu"},
        {"roles": ["college_admin"]},
        {"status": "deleted"},
        {"display_name": ""},
        {"timezone": "Mars/Olympus_Mons"},
        {"locale": "en_US"},
        {"avatar_url": "javascript:alert(1)"},
        {"bio": "b" * 2001},
        {"display_name": "Fine", "timezone": "Nowhere/Land"},
    ],
    ids=[
        "email",
        "roles",
        "status",
        "empty-name",
        "timezone",
        "locale",
        "avatar",
        "bio",
        "one-bad-of-two",
    ],
)
async def test_invalid_patch_writes_nothing(
    patch: PatchProfile, uow: FakeUnitOfWork, cache: FakeCache, changes: dict[str, Any]
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(InvalidInput):
        await patch(self_of(ADA), ADA.id, changes)
    assert_nothing_written(uow, before)
    assert cache.invalidations == []


# -- PUT


async def test_put_replaces_every_field_and_resets_omitted_ones(
    put: UpdateProfile, uow: FakeUnitOfWork, cache: FakeCache
) -> None:
    profile = await put(self_of(ADA), ADA.id, {"display_name": "Augusta Ada"})

    assert (profile.display_name, profile.avatar_url, profile.bio) == ("Augusta Ada", None, None)
    assert (profile.timezone, profile.locale) == ("UTC", "en")
    assert (profile.email, profile.roles) == (ADA.email, ADA.roles)
    assert uow.repository.committed(ADA.id) == profile
    event = the_only_event(uow)
    assert isinstance(event, UserUpdated)
    assert event.payload()["changed_fields"] == [
        "avatar_url",
        "bio",
        "display_name",
        "locale",
        "timezone",
    ]
    assert cache.invalidations == [ADA.id]


async def test_put_with_every_field_the_same_commits_nothing(
    put: UpdateProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    same = {
        "display_name": ADA.display_name,
        "avatar_url": ADA.avatar_url,
        "bio": ADA.bio,
        "timezone": ADA.timezone,
        "locale": ADA.locale,
    }
    assert (await put(self_of(ADA), ADA.id, same)).version == 1
    assert_nothing_written(uow, before)


async def test_put_requires_display_name(put: UpdateProfile, uow: FakeUnitOfWork) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(InvalidInput) as excinfo:
        await put(self_of(ADA), ADA.id, {"bio": "only a bio"})
    assert excinfo.value.field == "display_name"
    assert_nothing_written(uow, before)


async def test_put_by_another_student_is_denied(put: UpdateProfile, uow: FakeUnitOfWork) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(PermissionDenied):
        await put(principal_for(Role.STUDENT), ADA.id, {"display_name": "Hacked"})
    assert_nothing_written(uow, before)


async def test_put_honours_the_version_precondition(
    put: UpdateProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(PreconditionFailed):
        await put(admin_of(), ADA.id, {"display_name": "X"}, expected_version=7)
    assert_nothing_written(uow, before)
    await put(admin_of(), ADA.id, {"display_name": "X"}, expected_version=1)
    assert the_only_event(uow).aggregate_id == str(ADA.id)
