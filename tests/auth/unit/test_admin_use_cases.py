"""Creating colleges, registering, deactivating and reactivating accounts: who may, what is
written, which events leave."""

from __future__ import annotations

import uuid

import pytest

from lms.auth.application.accounts import NewAccount
from lms.auth.application.colleges import NewCollege
from lms.auth.application.errors import AccountDisabled, InvalidCredentials
from lms.auth.domain.events import AccountRegistered
from lms.auth.domain.model import AccountStatus, CharacterClass
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.auth.unit.conftest import GOOD_PASSWORD, SUPER_ADMIN, Auth, college_admin


async def test_only_a_super_admin_creates_colleges(auth: Auth) -> None:
    admin = college_admin("a", "x")
    with pytest.raises(PermissionDenied):
        await auth.create_college(admin, NewCollege(slug="uni-a", name="A"))
    college = await auth.create_college(
        SUPER_ADMIN,
        NewCollege(
            slug="uni-a",
            name=" Uni A ",
            min_password_length=16,
            required_character_classes=(CharacterClass.DIGIT,),
        ),
    )
    stored = await auth.uow.colleges.get_by_slug("uni-a")
    assert stored == college
    assert (college.name, college.password_policy.min_length) == ("Uni A", 16)
    assert college.password_policy.required_classes == {CharacterClass.DIGIT}


async def test_college_slugs_are_unique(auth: Auth) -> None:
    await auth.college("uni-a")
    with pytest.raises(Conflict):
        await auth.college("uni-a")


async def test_register_publishes_account_registered_with_the_consumed_shape(auth: Auth) -> None:
    college = await auth.college()
    account = await auth.account(college, email="Ada@Uni-A.edu", roles=(Role.INSTRUCTOR,))
    assert len(auth.uow.account_events) == 1
    event = auth.uow.account_events[0]
    assert isinstance(event, AccountRegistered)
    assert (event.event_type, event.topic) == ("account.registered", "account")
    assert (event.aggregate_id, event.tenant_id) == (str(account.id), str(college.id))
    assert event.payload() == {
        "account_id": str(account.id),
        "account_version": 1,
        "email": "ada@uni-a.edu",
        "roles": ["instructor"],
        "display_name": "Ada",
    }
    stored = await auth.stored_account(account.id)
    assert stored.password_hash == await auth.hasher.hash(GOOD_PASSWORD)


async def test_register_checks_the_colleges_password_policy(auth: Auth) -> None:
    college = await auth.college(min_password_length=30)
    with pytest.raises(InvalidInput, match="at least 30"):
        await auth.account(college)
    assert auth.uow.accounts.table.committed == {}
    assert auth.uow.account_events == []


async def test_register_refuses_a_duplicate_email_in_the_college(auth: Auth) -> None:
    college = await auth.college()
    await auth.account(college, email="ada@uni-a.edu")
    with pytest.raises(Conflict):
        await auth.account(college, email="ADA@uni-a.edu")
    other = await auth.college("uni-b")
    await auth.account(other, email="ada@uni-a.edu")  # another college: allowed
    assert len(auth.uow.account_events) == 2


async def test_a_college_admin_registers_only_in_their_college(auth: Auth) -> None:
    college_a = await auth.college("uni-a")
    college_b = await auth.college("uni-b")
    new = NewAccount(college_id=college_b.id, email="x@b.edu", password=GOOD_PASSWORD)
    with pytest.raises(NotFound):
        await auth.register(auth.admin_of(college_a), new)
    instructor = Principal("i", college_b.tenant_id, frozenset({Role.INSTRUCTOR}))
    with pytest.raises(PermissionDenied):
        await auth.register(instructor, new)
    assert auth.uow.account_events == []


async def test_only_a_super_admin_grants_super_admin(auth: Auth) -> None:
    college = await auth.college()
    with pytest.raises(PermissionDenied):
        await auth.account(college, roles=(Role.SUPER_ADMIN,))
    granted = await auth.register(
        SUPER_ADMIN,
        NewAccount(
            college_id=college.id, email="r@a.edu", password=GOOD_PASSWORD, roles=("super_admin",)
        ),
    )
    assert granted.roles == ("super_admin",)


async def test_register_in_an_unknown_college_is_not_found(auth: Auth) -> None:
    with pytest.raises(NotFound):
        await auth.register(
            SUPER_ADMIN,
            NewAccount(college_id=uuid.uuid4(), email="x@b.edu", password=GOOD_PASSWORD),
        )


async def test_deactivation_refuses_login_and_kills_refresh_tokens(auth: Auth) -> None:
    college = await auth.college()
    account = await auth.account(college)
    pair = await auth.login()
    deactivated = await auth.deactivate(auth.admin_of(college), account.id)
    assert deactivated.status is AccountStatus.DEACTIVATED
    assert [e.event_type for e in auth.uow.account_events] == [
        "account.registered",
        "account.deactivated",
    ]
    assert all(t.revoked_at == auth.clock.now() for t in auth.uow.refresh_tokens.all())
    with pytest.raises(AccountDisabled):
        await auth.login()
    with pytest.raises(InvalidCredentials):
        await auth.refresh(pair.refresh_token)

    await auth.reactivate(auth.admin_of(college), account.id)
    assert auth.uow.account_events[-1].event_type == "account.reactivated"
    assert (await auth.login()).access_token


async def test_deactivation_is_an_admin_act_within_the_college(auth: Auth) -> None:
    college = await auth.college()
    account = await auth.account(college)
    other = await auth.college("uni-b")
    with pytest.raises(NotFound):
        await auth.deactivate(auth.admin_of(other), account.id)
    student = Principal(str(account.id), college.tenant_id, frozenset({Role.STUDENT}))
    with pytest.raises(PermissionDenied):
        await auth.deactivate(student, account.id)
    admin_self = college_admin(str(account.id), college.tenant_id)
    with pytest.raises(Conflict):
        await auth.deactivate(admin_self, account.id)
    assert (await auth.stored_account(account.id)).is_active
