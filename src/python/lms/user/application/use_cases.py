"""The HTTP flows: one class per command or query, each taking the caller's ``Principal`` and
checking it first. Profiles are created, and follow their accounts, in ``account_sync``."""

from __future__ import annotations

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
    SORTS,
    ProfileCache,
    ProfileFilter,
    ProfileReader,
    UserUnitOfWork,
)
from lms.user.domain.events import user_deleted, user_updated
from lms.user.domain.model import Preferences, Profile, ProfileStatus
from lms_platform.kernel.errors import InvalidInput, PreconditionFailed
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class GetProfile:
    """Cache-aside read: Redis first, then PostgreSQL, then fill the cache. The fill carries the
    version it loaded, and the cache refuses it once a write of a newer version has
    invalidated the key, so a fill that loses a race to a writer does not bring old data back."""

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
        await self._cache.invalidate(profile.id, profile.version)


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
    """A page of the caller's college, in a stable order, read outside any transaction."""

    def __init__(self, profiles: ProfileReader) -> None:
        self._profiles = profiles

    async def __call__(
        self,
        principal: Principal,
        page: CursorPageRequest,
        *,
        search: str | None = None,
        role: str | None = None,
        status: ProfileStatus | None = None,
        sort: str = "display_name",
    ) -> CursorPage[Profile]:
        ensure_can_list(principal)
        if sort not in SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
        criteria = ProfileFilter(
            tenant_id=principal.tenant_id,
            search=search.strip() if search and search.strip() else None,
            role=role,
            status=status,
            include_deleted=status is ProfileStatus.DELETED,
            sort=sort,
        )
        return await self._profiles.search(criteria, page)


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
