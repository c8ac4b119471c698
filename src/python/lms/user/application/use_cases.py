"""One class per command or query. Each takes the caller's ``Principal`` and checks it first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lms.user.application.authorization import (
    ensure_admin,
    ensure_can_edit,
    ensure_can_list,
    ensure_can_read,
    ensure_visible,
)
from lms.user.application.ports import (
    ProfileCache,
    ProfileFilter,
    ProfileReader,
    UserUnitOfWork,
)
from lms.user.domain.events import user_created, user_deleted, user_updated
from lms.user.domain.model import (
    Preferences,
    Profile,
    ProfileStatus,
    normalize_email,
)
from lms_platform.kernel.errors import Conflict, InvalidInput, PreconditionFailed
from lms_platform.kernel.pagination import Page, PageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class NewProfile:
    email: str
    display_name: str
    tenant_id: str | None = None  # super admins may create in any college; others in their own
    id: UUID | None = None  # the account id, when the account already exists
    avatar_url: str | None = None
    bio: str | None = None
    timezone: str = "UTC"
    locale: str = "en"
    roles: tuple[str, ...] = ("student",)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRegistered:
    account_id: UUID
    tenant_id: str
    email: str
    roles: tuple[str, ...]
    display_name: str | None = None


class CreateProfile:
    def __init__(
        self, uow: UserUnitOfWork, clock: Clock, ids: IdGenerator, cache: ProfileCache
    ) -> None:
        self._uow, self._clock, self._ids, self._cache = uow, clock, ids, cache

    async def __call__(self, principal: Principal, data: NewProfile) -> Profile:
        tenant_id = data.tenant_id or principal.tenant_id
        ensure_admin(principal, tenant_id)
        email = normalize_email(data.email)
        if await self._uow.profiles.get_by_email(tenant_id, email) is not None:
            raise Conflict("a user with this email already exists in this college")
        profile_id = data.id or self._ids.new_id()
        if data.id is not None and await self._uow.profiles.get(data.id) is not None:
            raise Conflict("a user with this id already exists")
        profile = Profile.create(
            id=profile_id,
            tenant_id=tenant_id,
            email=email,
            display_name=data.display_name,
            avatar_url=data.avatar_url,
            bio=data.bio,
            timezone=data.timezone,
            locale=data.locale,
            roles=data.roles,
            now=self._clock.now(),
        )
        await self._uow.profiles.add(profile)
        self._uow.record(user_created(profile))
        await self._uow.commit()
        return profile


class GetProfile:
    """Cache-aside read: Redis first, then PostgreSQL, then fill the cache."""

    def __init__(self, profiles: ProfileReader, cache: ProfileCache) -> None:
        self._profiles, self._cache = profiles, cache

    async def __call__(self, principal: Principal, profile_id: UUID) -> Profile:
        profile = await self._cache.get(profile_id)
        if profile is None:
            profile = await self._profiles.get(profile_id)
            if profile is not None and not profile.is_deleted:
                await self._cache.put(profile)
        profile = ensure_visible(principal, profile)
        ensure_can_read(principal, profile)
        return profile


class _ProfileWriter:
    def __init__(self, uow: UserUnitOfWork, clock: Clock, cache: ProfileCache) -> None:
        self._uow, self._clock, self._cache = uow, clock, cache

    async def _load_for_edit(
        self, principal: Principal, profile_id: UUID, expected_version: int | None
    ) -> Profile:
        profile = ensure_visible(principal, await self._uow.profiles.get(profile_id))
        ensure_can_edit(principal, profile)
        if expected_version is not None and expected_version != profile.version:
            raise PreconditionFailed(
                f"the profile changed since version {expected_version}; it is now {profile.version}"
            )
        return profile

    async def _apply(
        self,
        principal: Principal,
        profile_id: UUID,
        changes: dict[str, Any],
        expected_version: int | None,
    ) -> Profile:
        profile = await self._load_for_edit(principal, profile_id, expected_version)
        changed = profile.apply_changes(changes, self._clock.now())
        if changed:
            self._uow.record(user_updated(profile, changed))
            await self._commit(profile)
        return profile

    async def _commit(self, profile: Profile) -> None:
        await self._uow.profiles.save(profile)
        await self._uow.commit()
        await self._cache.invalidate(profile.id)


class UpdateProfile(_ProfileWriter):
    """PUT: every editable field is replaced; omitted optional fields become empty."""

    async def __call__(
        self,
        principal: Principal,
        profile_id: UUID,
        fields: dict[str, Any],
        expected_version: int | None = None,
    ) -> Profile:
        missing = {"display_name"} - set(fields)
        if missing:
            raise InvalidInput("display_name is required", field="display_name")
        full = {
            "display_name": fields["display_name"],
            "avatar_url": fields.get("avatar_url"),
            "bio": fields.get("bio"),
            "timezone": fields.get("timezone", "UTC"),
            "locale": fields.get("locale", "en"),
        }
        return await self._apply(principal, profile_id, full, expected_version)


class PatchProfile(_ProfileWriter):
    """PATCH: only the fields sent change."""

    async def __call__(
        self,
        principal: Principal,
        profile_id: UUID,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> Profile:
        return await self._apply(principal, profile_id, changes, expected_version)


class DeleteProfile(_ProfileWriter):
    """Soft delete: the row stays for audit and for other services' references."""

    async def __call__(self, principal: Principal, profile_id: UUID) -> None:
        profile = ensure_visible(principal, await self._uow.profiles.get(profile_id))
        ensure_admin(principal, profile.tenant_id)
        now = self._clock.now()
        profile.delete(now)
        self._uow.record(user_deleted(profile, now))
        await self._commit(profile)


class ListProfiles:
    def __init__(self, uow: UserUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        search: str | None = None,
        role: str | None = None,
        status: ProfileStatus | None = None,
        sort: str = "display_name",
    ) -> Page[Profile]:
        ensure_can_list(principal)
        criteria = ProfileFilter(
            tenant_id=principal.tenant_id,
            search=search.strip() if search and search.strip() else None,
            role=role,
            status=status,
            include_deleted=status is ProfileStatus.DELETED,
            sort=sort,
        )
        return await self._uow.profiles.search(criteria, page)


class GetPreferences:
    def __init__(self, profiles: ProfileReader, cache: ProfileCache) -> None:
        self._get = GetProfile(profiles, cache)

    async def __call__(self, principal: Principal, profile_id: UUID) -> Preferences:
        profile = await self._get(principal, profile_id)
        ensure_can_edit(principal, profile)  # preferences are private to the user and admins
        return profile.preferences


class UpdatePreferences(_ProfileWriter):
    async def __call__(
        self, principal: Principal, profile_id: UUID, preferences: Preferences
    ) -> Preferences:
        profile = await self._load_for_edit(principal, profile_id, None)
        if profile.change_preferences(preferences, self._clock.now()):
            self._uow.record(user_updated(profile, ["preferences"]))
            await self._commit(profile)
        return profile.preferences


class CreateProfileFromAccount:
    """Consumes ``account.registered``: the account's id becomes the profile's id.

    Replays are harmless: the consumer is idempotent by message id, and an existing profile
    with the same id is left as it is.
    """

    def __init__(self, uow: UserUnitOfWork, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, account: AccountRegistered) -> Profile | None:
        if await self._uow.profiles.get(account.account_id) is not None:
            return None
        email = normalize_email(account.email)
        if await self._uow.profiles.get_by_email(account.tenant_id, email) is not None:
            # A profile an admin created before the account existed carries another id; linking
            # them is a human decision, so the event goes to the dead-letter topic to be seen.
            raise Conflict(
                f"college {account.tenant_id} already has a profile for {email} under another id"
            )
        profile = Profile.create(
            id=account.account_id,
            tenant_id=account.tenant_id,
            email=email,
            display_name=account.display_name or email.split("@", 1)[0],
            roles=account.roles,
            now=self._clock.now(),
        )
        await self._uow.profiles.add(profile)
        self._uow.record(user_created(profile))
        await self._uow.commit()
        return profile
