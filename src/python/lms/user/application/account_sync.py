"""The profile follows its account: one use case per ``account.*`` event of the auth service.

Events are ordered field by field (``Profile.apply_account``) by the account's version after the
change (``account_version``) when auth sends one, else by the time it gives them (the envelope's
``time``): an older event delivered after a newer one changes only what no newer event has set. Duplicates never get here (the consumer records each event's id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from lms.user.application.errors import AccountMovedCollege, UnknownAccount
from lms.user.application.ports import ProfileCache, UserUnitOfWork
from lms.user.domain.events import user_created, user_deleted, user_updated
from lms.user.domain.model import AccountStamp, Profile, ProfileStatus, normalize_email
from lms_platform.kernel.ports import Clock


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRegistered:
    account_id: UUID
    tenant_id: str
    email: str
    roles: tuple[str, ...]
    display_name: str | None = None
    occurred_at: datetime | None = None
    account_version: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountUpdated:
    """``changes`` holds only what changed: ``email``, ``display_name`` (None: cleared),
    ``roles``."""

    account_id: UUID
    tenant_id: str
    occurred_at: datetime
    changes: dict[str, Any] = field(default_factory=dict)
    account_version: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountStatusChanged:
    account_id: UUID
    tenant_id: str
    occurred_at: datetime
    active: bool
    account_version: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountDeleted:
    account_id: UUID
    tenant_id: str
    occurred_at: datetime


class CreateProfileFromAccount:
    """``account.registered``: the account's id becomes the profile's id.

    An existing profile with that id (a replay, even of a deleted profile) is left as it is.
    Another live profile with the same email is not a reason to refuse: auth owns the
    uniqueness of addresses, and the other profile's ``account.deleted`` or ``account.updated``
    may simply not have been consumed yet (it travels on another partition).
    """

    def __init__(self, uow: UserUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, account: AccountRegistered) -> Profile | None:
        if await self._uow.profiles.get(account.account_id) is not None:
            return None
        email = normalize_email(account.email)
        profile = Profile.create(
            id=account.account_id,
            tenant_id=account.tenant_id,
            email=email,
            display_name=account.display_name or email.split("@", 1)[0],
            roles=account.roles,
            now=self._clock.now(),
            account_stamp=(
                AccountStamp(account.occurred_at, account.account_version)
                if account.occurred_at is not None
                else None
            ),
        )
        await self._uow.profiles.add(profile)
        self._uow.record(user_created(profile))
        await self._uow.commit()
        return profile


class _AccountFollower:
    def __init__(self, uow: UserUnitOfWork, clock: Clock, cache: ProfileCache) -> None:
        self._uow, self._clock, self._cache = uow, clock, cache

    async def _load(self, account_id: UUID, tenant_id: str) -> Profile:
        profile = await self._uow.profiles.get(account_id)
        if profile is None:
            raise UnknownAccount(f"no profile for account {account_id}: was it registered here?")
        if profile.tenant_id != tenant_id:
            raise AccountMovedCollege(
                f"account {account_id} is in {profile.tenant_id}, the event says {tenant_id}"
            )
        return profile

    async def _apply(
        self, account_id: UUID, tenant_id: str, values: dict[str, Any], stamp: AccountStamp
    ) -> list[str]:
        profile = await self._load(account_id, tenant_id)
        stamps_before = (dict(profile.account_field_times), dict(profile.account_field_versions))
        changed = profile.apply_account(values, stamp, self._clock.now())
        if changed:
            self._uow.record(user_updated(profile, changed))
        if (
            changed
            or (profile.account_field_times, profile.account_field_versions) != stamps_before
        ):
            # Stamps alone are saved too: they order the events still to come.
            await self._uow.profiles.save(profile)
            await self._uow.commit()
        if changed:
            await self._cache.invalidate(profile.id, profile.version)
        return changed


class UpdateProfileFromAccount(_AccountFollower):
    """``account.updated``: the account's new email, display name or roles."""

    async def __call__(self, event: AccountUpdated) -> list[str]:
        stamp = AccountStamp(event.occurred_at, event.account_version)
        return await self._apply(event.account_id, event.tenant_id, event.changes, stamp)


class ChangeProfileStatusFromAccount(_AccountFollower):
    """``account.deactivated`` and ``account.reactivated``: the profile's status follows."""

    async def __call__(self, event: AccountStatusChanged) -> list[str]:
        status = ProfileStatus.ACTIVE if event.active else ProfileStatus.DEACTIVATED
        stamp = AccountStamp(event.occurred_at, event.account_version)
        return await self._apply(event.account_id, event.tenant_id, {"status": status}, stamp)


class DeleteProfileFromAccount(_AccountFollower):
    """``account.deleted``: a soft delete, as ``DELETE /users/{id}`` does; it frees nothing
    (emails are not unique here) but hides the profile and tells other services
    (``user.deleted``). Final: no later or older account event changes a deleted profile."""

    async def __call__(self, event: AccountDeleted) -> bool:
        profile = await self._load(event.account_id, event.tenant_id)
        if profile.is_deleted:
            return False
        now = self._clock.now()
        profile.delete(now)
        self._uow.record(user_deleted(profile, now))
        await self._uow.profiles.save(profile)
        await self._uow.commit()
        await self._cache.invalidate(profile.id, profile.version)
        return True
