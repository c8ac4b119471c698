"""``account.updated``, ``account.deactivated``/``reactivated`` and ``account.deleted``: the
profile follows its account, ordered by the events' times, and the cache forgets what changed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

import pytest

from lms.user.application.account_sync import (
    AccountDeleted,
    AccountStatusChanged,
    AccountUpdated,
    ChangeProfileStatusFromAccount,
    DeleteProfileFromAccount,
    UpdateProfileFromAccount,
)
from lms.user.application.errors import AccountMovedCollege, UnknownAccount
from lms.user.domain.events import UserDeleted, UserUpdated
from lms.user.domain.model import AccountStamp, Profile, ProfileStatus
from lms_platform.kernel.errors import InvalidInput
from tests.user.unit.fakes import (
    T0,
    FakeCache,
    FakeUnitOfWork,
    FixedClock,
    assert_nothing_written,
    the_only_event,
)

ACCOUNT_ID = UUID(int=5)
REGISTERED_AT = T0 - timedelta(hours=1)


def _registered() -> Profile:
    return Profile.create(
        id=ACCOUNT_ID,
        tenant_id="college-a",
        email="ada@example.edu",
        display_name="Ada",
        roles=("student",),
        now=REGISTERED_AT,
        account_stamp=AccountStamp(REGISTERED_AT),
    )


@pytest.fixture()
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork([_registered()])


def _update(changes: dict[str, object], seconds: int, tenant: str = "college-a") -> AccountUpdated:
    return AccountUpdated(
        account_id=ACCOUNT_ID,
        tenant_id=tenant,
        occurred_at=REGISTERED_AT + timedelta(seconds=seconds),
        changes=changes,
    )


async def test_an_update_changes_the_fields_records_user_updated_and_invalidates(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    changed = await UpdateProfileFromAccount(uow, clock, cache)(
        _update({"email": "Ada.King@example.edu", "roles": ["instructor"]}, 1)
    )
    assert sorted(changed) == ["email", "roles"]
    saved = uow.repository.committed(ACCOUNT_ID)
    assert saved is not None
    assert (saved.email, saved.roles, saved.version) == ("ada.king@example.edu", ("instructor",), 2)
    event = the_only_event(uow)
    assert isinstance(event, UserUpdated) and event.changed_fields == ["email", "roles"]
    assert cache.invalidations == [ACCOUNT_ID]


async def test_an_older_update_changes_nothing_the_newer_one_set(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    update = UpdateProfileFromAccount(uow, clock, cache)
    await update(_update({"email": "newer@example.edu"}, 2))
    rows, events = uow.repository.committed_rows(), list(uow.committed_events)

    assert await update(_update({"email": "older@example.edu"}, 1)) == []
    assert uow.repository.committed_rows() == rows
    assert uow.committed_events == events
    assert cache.invalidations == [ACCOUNT_ID]  # only for the first


async def test_an_update_of_a_value_already_there_still_records_its_time(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    # Same email, newer time: nothing to tell anyone, but an older email change must now lose.
    update = UpdateProfileFromAccount(uow, clock, cache)
    assert await update(_update({"email": "ada@example.edu"}, 5)) == []
    assert uow.committed_events == [] and cache.invalidations == []
    assert await update(_update({"email": "stale@example.edu"}, 3)) == []
    saved = uow.repository.committed(ACCOUNT_ID)
    assert saved is not None and saved.email == "ada@example.edu"


async def test_deactivate_then_reactivate_follow_the_account(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    change = ChangeProfileStatusFromAccount(uow, clock, cache)
    event = AccountStatusChanged(
        account_id=ACCOUNT_ID, tenant_id="college-a", occurred_at=REGISTERED_AT, active=False
    )
    assert await change(event) == ["status"]
    saved = uow.repository.committed(ACCOUNT_ID)
    assert saved is not None and saved.status is ProfileStatus.DEACTIVATED

    late = AccountStatusChanged(
        account_id=ACCOUNT_ID,
        tenant_id="college-a",
        occurred_at=REGISTERED_AT + timedelta(seconds=1),
        active=True,
    )
    assert await change(late) == ["status"]
    saved = uow.repository.committed(ACCOUNT_ID)
    assert saved is not None and saved.status is ProfileStatus.ACTIVE


async def test_delete_soft_deletes_records_user_deleted_and_leaves_a_tombstone(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    stale = _registered()
    deleted = AccountDeleted(account_id=ACCOUNT_ID, tenant_id="college-a", occurred_at=T0)
    assert await DeleteProfileFromAccount(uow, clock, cache)(deleted) is True
    saved = uow.repository.committed(ACCOUNT_ID)
    assert saved is not None and saved.is_deleted
    assert isinstance(the_only_event(uow), UserDeleted)
    await cache.put(stale)  # a reader that loaded the live row before the delete
    assert ACCOUNT_ID not in cache


async def test_after_delete_no_account_event_changes_the_profile(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    deleted = AccountDeleted(account_id=ACCOUNT_ID, tenant_id="college-a", occurred_at=T0)
    await DeleteProfileFromAccount(uow, clock, cache)(deleted)
    rows, events = uow.repository.committed_rows(), list(uow.committed_events)

    assert await DeleteProfileFromAccount(uow, clock, cache)(deleted) is False
    assert (
        await UpdateProfileFromAccount(uow, clock, cache)(_update({"email": "x@example.edu"}, 9))
        == []
    )
    assert uow.repository.committed_rows() == rows and uow.committed_events == events


def _unknown_account_events(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> dict[str, Callable[[], Awaitable[object]]]:
    return {
        "update": lambda: UpdateProfileFromAccount(uow, clock, cache)(
            _update({"email": "x@y.edu"}, 1)
        ),
        "status": lambda: ChangeProfileStatusFromAccount(uow, clock, cache)(
            AccountStatusChanged(
                account_id=ACCOUNT_ID, tenant_id="college-a", occurred_at=T0, active=False
            )
        ),
        "delete": lambda: DeleteProfileFromAccount(uow, clock, cache)(
            AccountDeleted(account_id=ACCOUNT_ID, tenant_id="college-a", occurred_at=T0)
        ),
    }


@pytest.mark.parametrize("kind", ["update", "status", "delete"])
async def test_an_event_for_an_account_never_registered_here_is_refused(
    clock: FixedClock, cache: FakeCache, kind: str
) -> None:
    uow = FakeUnitOfWork()
    apply = _unknown_account_events(uow, clock, cache)[kind]
    with pytest.raises(UnknownAccount):
        await apply()
    assert_nothing_written(uow, {})


async def test_an_event_naming_another_college_is_refused(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(AccountMovedCollege):
        await UpdateProfileFromAccount(uow, clock, cache)(
            _update({"email": "x@y.edu"}, 1, tenant="college-b")
        )
    assert_nothing_written(uow, before)


async def test_an_invalid_update_writes_nothing(
    uow: FakeUnitOfWork, clock: FixedClock, cache: FakeCache
) -> None:
    before = uow.repository.committed_rows()
    with pytest.raises(InvalidInput):
        await UpdateProfileFromAccount(uow, clock, cache)(
            _update({"email": "not-an-email", "roles": ["student"]}, 1)
        )
    assert_nothing_written(uow, before)
