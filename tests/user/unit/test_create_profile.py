"""POST /users: college admins create profiles in their college; super admins in any."""

from __future__ import annotations

from uuid import UUID

import pytest

from lms.user.application.use_cases import CreateProfile, NewProfile
from lms.user.domain.events import UserCreated, profile_snapshot
from lms_platform.kernel.errors import Conflict, InvalidInput, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.user.unit.fakes import (
    T0,
    FakeCache,
    FakeUnitOfWork,
    FixedClock,
    SequentialIds,
    admin_of,
    assert_nothing_written,
    make_profile,
    principal_for,
    super_admin,
    the_only_event,
)

EXISTING = make_profile(id=UUID(int=1), tenant_id="college-a", email="ada@example.edu")


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([EXISTING])


@pytest.fixture()
def create(
    uow: FakeUnitOfWork, clock: FixedClock, ids: SequentialIds, cache: FakeCache
) -> CreateProfile:
    return CreateProfile(uow, clock, ids, cache)


async def test_admin_creates_a_profile_in_their_college(
    create: CreateProfile, uow: FakeUnitOfWork, ids: SequentialIds
) -> None:
    expected_id = ids.peek()
    profile = await create(
        admin_of("college-a"),
        NewProfile(
            email=" Grace@Navy.MIL ", display_name="Grace Hopper", timezone="America/New_York"
        ),
    )

    assert profile.id == expected_id
    assert (profile.tenant_id, profile.email, profile.display_name) == (
        "college-a",
        "grace@navy.mil",
        "Grace Hopper",
    )
    assert profile.roles == ("student",)
    assert profile.timezone == "America/New_York"
    assert (profile.created_at, profile.updated_at, profile.version) == (T0, T0, 1)
    assert uow.repository.committed(expected_id) == profile


async def test_create_records_exactly_one_user_created_event_and_commits_once(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    profile = await create(admin_of(), NewProfile(email="grace@navy.mil", display_name="Grace"))

    event = the_only_event(uow)
    assert isinstance(event, UserCreated)
    assert event.event_type == "user.created"
    assert (event.aggregate_id, event.tenant_id) == (str(profile.id), "college-a")
    assert event.payload() == {"profile": profile_snapshot(profile)}


async def test_create_uses_the_given_account_id_without_drawing_a_new_one(
    create: CreateProfile, uow: FakeUnitOfWork, ids: SequentialIds
) -> None:
    account_id = UUID("7d8a3c1e-2b4f-4e55-a1b2-c3d4e5f60718")
    profile = await create(
        admin_of(), NewProfile(id=account_id, email="grace@navy.mil", display_name="Grace")
    )
    assert profile.id == account_id
    assert ids.issued == []
    assert the_only_event(uow).aggregate_id == str(account_id)


async def test_create_keeps_every_given_field(create: CreateProfile) -> None:
    profile = await create(
        admin_of(),
        NewProfile(
            email="grace@navy.mil",
            display_name="Grace",
            avatar_url="https://cdn.example.edu/g.png",
            bio="Rear admiral",
            timezone="Europe/Berlin",
            locale="de-DE",
            roles=("instructor", "college_admin"),
        ),
    )
    assert (profile.avatar_url, profile.bio, profile.timezone, profile.locale) == (
        "https://cdn.example.edu/g.png",
        "Rear admiral",
        "Europe/Berlin",
        "de-DE",
    )
    assert profile.roles == ("college_admin", "instructor")


@pytest.mark.parametrize(
    "principal",
    [
        principal_for(Role.STUDENT),
        principal_for(Role.INSTRUCTOR),
        principal_for(Role.TEACHING_ASSISTANT),
        principal_for(),
        admin_of("college-b"),
    ],
    ids=["student", "instructor", "ta", "no-roles", "admin-of-another-college"],
)
async def test_only_an_admin_of_that_college_may_create(
    create: CreateProfile, uow: FakeUnitOfWork, principal: Principal
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(PermissionDenied):
        await create(
            principal,
            NewProfile(tenant_id="college-a", email="grace@navy.mil", display_name="Grace"),
        )
    assert_nothing_written(uow, before)


async def test_college_admin_cannot_create_in_another_college(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(PermissionDenied):
        await create(
            admin_of("college-a"),
            NewProfile(tenant_id="college-b", email="grace@navy.mil", display_name="Grace"),
        )
    assert_nothing_written(uow, before)


async def test_super_admin_creates_in_another_college(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    profile = await create(
        super_admin(home_tenant="platform"),
        NewProfile(tenant_id="college-b", email="grace@navy.mil", display_name="Grace"),
    )
    assert profile.tenant_id == "college-b"
    assert the_only_event(uow).tenant_id == "college-b"


async def test_duplicate_email_in_the_same_college_is_a_conflict_whatever_its_case(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(Conflict):
        await create(
            admin_of("college-a"), NewProfile(email=" ADA@example.edu", display_name="Ada 2")
        )
    assert_nothing_written(uow, before)


async def test_same_email_in_another_college_is_allowed(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    profile = await create(
        admin_of("college-b"), NewProfile(email="ada@example.edu", display_name="Ada at B")
    )
    assert (profile.tenant_id, profile.email) == ("college-b", "ada@example.edu")
    assert profile.id != EXISTING.id
    assert uow.repository.committed(EXISTING.id) == EXISTING


async def test_a_deleted_profile_frees_its_email(clock: FixedClock, ids: SequentialIds) -> None:
    gone = make_profile(id=UUID(int=5), email="ada@example.edu")
    gone.delete(T0)
    uow = FakeUnitOfWork([gone])
    profile = await CreateProfile(uow, clock, ids, FakeCache())(
        admin_of(), NewProfile(email="ada@example.edu", display_name="Ada again")
    )
    assert profile.id != gone.id
    assert the_only_event(uow).aggregate_id == str(profile.id)


async def test_an_id_already_taken_is_a_conflict(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(Conflict):
        await create(
            admin_of(), NewProfile(id=EXISTING.id, email="other@example.edu", display_name="Other")
        )
    assert_nothing_written(uow, before)


@pytest.mark.parametrize(
    "data",
    [
        NewProfile(email="not-an-email", display_name="Grace"),
        NewProfile(email="grace@navy.mil", display_name="   "),
        NewProfile(email="grace@navy.mil", display_name="Grace", timezone="Navy/Pentagon"),
        NewProfile(email="grace@navy.mil", display_name="Grace", locale="english"),
        NewProfile(email="grace@navy.mil", display_name="Grace", avatar_url="ftp://x.y/z"),
        NewProfile(email="grace@navy.mil", display_name="Grace", roles=("admiral",)),
    ],
    ids=["email", "display_name", "timezone", "locale", "avatar_url", "roles"],
)
async def test_invalid_input_writes_nothing(
    create: CreateProfile, uow: FakeUnitOfWork, data: NewProfile
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(InvalidInput):
        await create(admin_of(), data)
    assert_nothing_written(uow, before)


async def test_authorization_is_checked_before_the_input(
    create: CreateProfile, uow: FakeUnitOfWork
) -> None:
    # A student learns nothing about which emails exist or what is valid.
    with pytest.raises(PermissionDenied):
        await create(
            principal_for(Role.STUDENT), NewProfile(email="ada@example.edu", display_name="")
        )
    assert uow.repository.reads == 0
