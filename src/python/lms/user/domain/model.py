"""The profile aggregate. A profile belongs to one college and mirrors one account."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import available_timezones

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.roles import ALL_ROLES

MAX_DISPLAY_NAME = 100
MAX_BIO = 2000
MAX_URL = 2048
_EMAIL = re.compile(r"^[^@\s]{1,64}@(?!.*\.\.)[^@\s.][^@\s]*\.[^@\s.]{2,}$")
# BCP 47 subset that LMS clients send: language, optional script and region ("en", "pt-BR", "zh-Hant-TW").
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_TIMEZONES = frozenset(available_timezones())

EDITABLE_FIELDS = ("display_name", "avatar_url", "bio", "timezone", "locale")


class ProfileStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"
    DELETED = "deleted"


class DigestFrequency(StrEnum):
    NEVER = "never"
    DAILY = "daily"
    WEEKLY = "weekly"


class Theme(StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


@dataclass(frozen=True, slots=True, kw_only=True)
class Preferences:
    """What a user chose about notifications and presentation (Canvas/Moodle-style settings)."""

    email_notifications: bool = True
    push_notifications: bool = True
    digest_frequency: DigestFrequency = DigestFrequency.DAILY
    theme: Theme = Theme.SYSTEM
    high_contrast: bool = False
    reduced_motion: bool = False
    show_profile_to_classmates: bool = True


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidInput("email is not a valid address", field="email")
    return value


def _require_text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", field=name)
    return value


def _check_display_name(value: str) -> str:
    value = _require_text(value, "display_name").strip()
    if not 1 <= len(value) <= MAX_DISPLAY_NAME:
        raise InvalidInput(
            f"display_name must have 1 to {MAX_DISPLAY_NAME} characters", field="display_name"
        )
    return value


def _check_avatar_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = _require_text(value, "avatar_url")
    scheme, _, rest = value.partition("://")
    if len(value) > MAX_URL or scheme not in ("https", "http") or not rest.split("/", 1)[0]:
        raise InvalidInput("avatar_url must be an http(s) URL", field="avatar_url")
    return value


def _check_bio(value: str | None) -> str | None:
    if value is None:
        return None
    if len(_require_text(value, "bio")) > MAX_BIO:
        raise InvalidInput(f"bio must have at most {MAX_BIO} characters", field="bio")
    return value


def _check_timezone(value: str) -> str:
    if not isinstance(value, str) or value not in _TIMEZONES:
        raise InvalidInput(f"unknown IANA timezone {value!r}", field="timezone")
    return value


def _check_locale(value: str) -> str:
    if not _LOCALE.match(_require_text(value, "locale")):
        raise InvalidInput(
            f"locale {value!r} is not a BCP 47 tag like 'en' or 'pt-BR'", field="locale"
        )
    return value


def check_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(roles) - ALL_ROLES)
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)}", field="roles")
    return tuple(sorted(set(roles)))


_VALIDATORS: dict[str, Any] = {
    "display_name": _check_display_name,
    "avatar_url": _check_avatar_url,
    "bio": _check_bio,
    "timezone": _check_timezone,
    "locale": _check_locale,
}


@dataclass(slots=True, kw_only=True)
class Profile:
    id: UUID
    tenant_id: str
    email: str
    display_name: str
    avatar_url: str | None = None
    bio: str | None = None
    timezone: str = "UTC"
    locale: str = "en"
    roles: tuple[str, ...] = ()
    status: ProfileStatus = ProfileStatus.ACTIVE
    preferences: Preferences = field(default_factory=Preferences)
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        tenant_id: str,
        email: str,
        display_name: str,
        now: datetime,
        avatar_url: str | None = None,
        bio: str | None = None,
        timezone: str = "UTC",
        locale: str = "en",
        roles: tuple[str, ...] = (),
    ) -> Profile:
        return cls(
            id=id,
            tenant_id=tenant_id,
            email=normalize_email(email),
            display_name=_check_display_name(display_name),
            avatar_url=_check_avatar_url(avatar_url),
            bio=_check_bio(bio),
            timezone=_check_timezone(timezone),
            locale=_check_locale(locale),
            roles=check_roles(roles),
            created_at=now,
            updated_at=now,
        )

    @property
    def is_deleted(self) -> bool:
        return self.status is ProfileStatus.DELETED

    def apply_changes(self, changes: dict[str, Any], now: datetime) -> list[str]:
        """Validate and apply editable fields; returns the names of fields that really changed."""
        unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
        if unknown:
            raise InvalidInput(f"fields cannot be changed: {', '.join(unknown)}")
        changed: list[str] = []
        validated = {name: _VALIDATORS[name](value) for name, value in changes.items()}
        for name, value in validated.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.append(name)
        if changed:
            self._touch(now)
        return changed

    def change_preferences(self, preferences: Preferences, now: datetime) -> bool:
        if preferences == self.preferences:
            return False
        self.preferences = preferences
        self._touch(now)
        return True

    def set_roles(self, roles: tuple[str, ...], now: datetime) -> bool:
        roles = check_roles(roles)
        if roles == self.roles:
            return False
        self.roles = roles
        self._touch(now)
        return True

    def delete(self, now: datetime) -> None:
        if self.is_deleted:
            return
        self.status = ProfileStatus.DELETED
        self.deleted_at = now
        self._touch(now)

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


def preferences_with(current: Preferences, **changes: Any) -> Preferences:
    return replace(current, **changes)
