"""Read and change one's own notification preferences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lms.notification.application.authorization import ensure_account
from lms.notification.application.ports import CollegeDefaultsStore, PreferenceStore
from lms.notification.domain.kinds import Cadence, Channel, NotificationType
from lms.notification.domain.preferences import (
    Preferences,
    QuietHours,
    checked_choices,
    validate_timezone,
)
from lms_platform.kernel.principal import Principal


class PreferencesUnitOfWork(Protocol):
    preferences: PreferenceStore
    college_defaults: CollegeDefaultsStore

    async def commit(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class PreferenceChange:
    timezone: str | None
    quiet_hours: QuietHours | None
    choices: Sequence[tuple[NotificationType, Channel, Cadence]]


class GetMyPreferences:
    """The caller's choices over their college's defaults (else the platform's)."""

    def __init__(self, uow: PreferencesUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal) -> Preferences:
        ensure_account(principal)
        chosen = await self._uow.preferences.get(principal.tenant_id, principal.user_id)
        return chosen.under(await self._uow.college_defaults.get(principal.tenant_id))


class ReplaceMyPreferences:
    """PUT semantics: what is not listed goes back to the default."""

    def __init__(self, uow: PreferencesUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, principal: Principal, change: PreferenceChange) -> Preferences:
        ensure_account(principal)
        if change.timezone is not None:
            validate_timezone(change.timezone)
        preferences = Preferences(
            timezone=change.timezone,
            quiet_hours=change.quiet_hours,
            choices=checked_choices(change.choices),
        )
        await self._uow.preferences.put(principal.tenant_id, principal.user_id, preferences)
        await self._uow.commit()
        return preferences.under(await self._uow.college_defaults.get(principal.tenant_id))
