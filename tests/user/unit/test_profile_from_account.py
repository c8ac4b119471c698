"""Consuming ``account.registered``: one profile per account, keyed by the account id."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from uuid import UUID

import pytest

from lms.user.application.account_sync import AccountRegistered, CreateProfileFromAccount
from lms.user.domain.events import UserCreated, profile_snapshot
from lms_platform.kernel.errors import InvalidInput
from tests.user.unit.fakes import (
    T0,
    FakeUnitOfWork,
    FixedClock,
    assert_nothing_written,
    make_profile,
    the_only_event,
)

ACCOUNT_ID = UUID("3f2b8c1d-9e4a-4b7c-8d6e-1a2b3c4d5e6f")
REGISTERED = AccountRegistered(
    account_id=ACCOUNT_ID,
    tenant_id="college-a",
    email=" Katherine.Johnson@NASA.gov ",
    roles=("instructor",),
    display_name="Katherine Johnson",
)


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture()
def consume(uow: FakeUnitOfWork, clock: FixedClock) -> CreateProfileFromAccount:
    return CreateProfileFromAccount(uow, clock)


async def test_creates_the_profile_under_the_account_id(
    consume: CreateProfileFromAccount, uow: FakeUnitOfWork
) -> None:
    profile = await consume(REGISTERED)

    assert profile is not None
    assert profile.id == ACCOUNT_ID
    assert (profile.tenant_id, profile.email, profile.display_name, profile.roles) == (
        "college-a",
        "katherine.johnson@nasa.gov",
        "Katherine Johnson",
        ("instructor",),
    )
    assert (profile.created_at, profile.version) == (T0, 1)
    assert uow.repository.committed(ACCOUNT_ID) == profile


async def test_records_one_user_created_event_and_commits_once(
    consume: CreateProfileFromAccount, uow: FakeUnitOfWork
) -> None:
    profile = await consume(REGISTERED)
    assert profile is not None
    event = the_only_event(uow)
    assert isinstance(event, UserCreated)
    assert (event.aggregate_id, event.tenant_id) == (str(ACCOUNT_ID), "college-a")
    assert event.payload() == {"profile": profile_snapshot(profile)}


async def test_without_a_display_name_the_email_local_part_is_used(
    consume: CreateProfileFromAccount,
) -> None:
    profile = await consume(
        AccountRegistered(
            account_id=ACCOUNT_ID, tenant_id="college-a", email="DOROTHY.v@nasa.gov", roles=()
        )
    )
    assert profile is not None
    assert profile.display_name == "dorothy.v"


async def test_a_replay_is_a_no_op(
    consume: CreateProfileFromAccount, uow: FakeUnitOfWork, clock: FixedClock
) -> None:
    first = await consume(REGISTERED)
    rows, events = uow.repository.committed_rows(), list(uow.committed_events)

    clock.advance(minutes=10)
    again = await consume(REGISTERED)

    assert again is None
    assert uow.repository.committed_rows() == rows
    assert uow.repository.committed(ACCOUNT_ID) == first
    assert (uow.commits, uow.committed_events, uow.uncommitted_events) == (1, events, [])


async def test_a_replay_does_not_undo_later_edits(clock: FixedClock) -> None:
    edited = make_profile(id=ACCOUNT_ID, email="katherine.johnson@nasa.gov", display_name="KJ")
    uow = FakeUnitOfWork([edited])
    before = uow.repository.committed_rows()
    assert await CreateProfileFromAccount(uow, clock)(REGISTERED) is None
    assert_nothing_written(uow, before)


async def test_a_replay_after_delete_does_not_resurrect_the_profile(clock: FixedClock) -> None:
    # A deleted profile frees its email, so only the id check can recognise the replay.
    gone = make_profile(id=ACCOUNT_ID, email="katherine.johnson@nasa.gov")
    gone.delete(T0)
    uow = FakeUnitOfWork([gone])
    before = uow.repository.committed_rows()
    assert await CreateProfileFromAccount(uow, clock)(REGISTERED) is None
    assert_nothing_written(uow, before)


async def test_an_email_still_live_under_another_account_does_not_block_the_profile(
    clock: FixedClock,
) -> None:
    # Auth keeps emails unique. A live profile with this address belongs to an account whose
    # account.deleted (or email change) travels on another partition and is not consumed yet;
    # refusing would dead-letter the new user's profile.
    previous = make_profile(id=UUID(int=77), email="katherine.johnson@nasa.gov")
    uow = FakeUnitOfWork([previous])
    profile = await CreateProfileFromAccount(uow, clock)(REGISTERED)
    assert profile is not None and profile.id == ACCOUNT_ID
    assert uow.repository.committed(UUID(int=77)) == previous


async def test_the_registration_time_orders_later_account_events(
    consume: CreateProfileFromAccount,
) -> None:
    at = T0 - timedelta(seconds=3)
    profile = await consume(dataclasses.replace(REGISTERED, occurred_at=at))
    assert profile is not None
    assert profile.account_field_times == dict.fromkeys(
        ("email", "display_name", "roles", "status"), at
    )


async def test_the_same_email_in_another_college_gets_its_own_profile(clock: FixedClock) -> None:
    elsewhere = make_profile(
        id=UUID(int=77), tenant_id="college-b", email="katherine.johnson@nasa.gov"
    )
    uow = FakeUnitOfWork([elsewhere])
    profile = await CreateProfileFromAccount(uow, clock)(REGISTERED)
    assert profile is not None
    assert (profile.id, profile.tenant_id) == (ACCOUNT_ID, "college-a")
    assert the_only_event(uow).aggregate_id == str(ACCOUNT_ID)


@pytest.mark.parametrize(
    "account",
    [
        AccountRegistered(account_id=ACCOUNT_ID, tenant_id="college-a", email="nope", roles=()),
        AccountRegistered(
            account_id=ACCOUNT_ID, tenant_id="college-a", email="k@nasa.gov", roles=("pilot",)
        ),
        AccountRegistered(
            account_id=ACCOUNT_ID,
            tenant_id="college-a",
            email="k@nasa.gov",
            roles=(),
            display_name="x" * 101,
        ),
    ],
    ids=["email", "roles", "display_name"],
)
async def test_an_invalid_account_event_raises_and_writes_nothing(
    consume: CreateProfileFromAccount, uow: FakeUnitOfWork, account: AccountRegistered
) -> None:
    # Raising (not swallowing) lets the consumer retry and then dead-letter the message.
    with pytest.raises(InvalidInput):
        await consume(account)
    assert_nothing_written(uow, {})
