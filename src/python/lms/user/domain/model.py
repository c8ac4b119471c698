"""The profile aggregate. A profile belongs to one college and mirrors one account: the account's
id, email, display name, roles and status come from the auth service's events; the rest is the
user's own."""

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
from lms_platform.kernel.text import EMAIL_PATTERN

MAX_DISPLAY_NAME = 100
MAX_BIO = 2000
MAX_URL = 2048
# Public so that the HTTP schema can tell clients the same rules (lms.user.adapters.http.schemas).
# BCP 47 subset that LMS clients send: language, optional script and region ("en", "pt-BR", "zh-Hant-TW").
LOCALE_PATTERN = r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$"
# http(s), a host name (no IP literal, no user info), an optional port, then printable ASCII
# (RFC 3986: anything else is percent-encoded).
AVATAR_URL_PATTERN = (
    r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#][!-~]*)?$"
)
TIMEZONES = frozenset(available_timezones())
# fullmatch: "$" alone would also accept a trailing newline ("en\n").
_EMAIL = re.compile(EMAIL_PATTERN)
_LOCALE = re.compile(LOCALE_PATTERN)
_AVATAR_URL = re.compile(AVATAR_URL_PATTERN)

EDITABLE_FIELDS = ("display_name", "avatar_url", "bio", "timezone", "locale")
# What an account event may set; each keeps the stamp of the account event that last set it.
ACCOUNT_FIELDS = ("email", "display_name", "roles", "status")


@dataclass(frozen=True, slots=True)
class AccountStamp:
    """Where an account event stands in its account's history: the envelope's time, and the
    account's version after the change when auth sends one (``account_version``; events staged
    before auth sent it have none)."""

    time: datetime
    version: int | None = None

    def not_older_than(self, last_time: datetime | None, last_version: int | None) -> bool:
        """By version when both have one (auth's row lock orders versions, whatever its clocks
        say); by time otherwise. Equal applies: the same change, or arrival order."""
        if self.version is not None and last_version is not None:
            return self.version >= last_version
        return last_time is None or last_time <= self.time


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
    if len(value) > 254 or not _EMAIL.fullmatch(value):
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
    if len(value) > MAX_URL or not _AVATAR_URL.fullmatch(value):
        raise InvalidInput("avatar_url must be an http(s) URL", field="avatar_url")
    return value


def _check_bio(value: str | None) -> str | None:
    if value is None:
        return None
    if len(_require_text(value, "bio")) > MAX_BIO:
        raise InvalidInput(f"bio must have at most {MAX_BIO} characters", field="bio")
    return value


def _check_timezone(value: str) -> str:
    if not isinstance(value, str) or value not in TIMEZONES:
        raise InvalidInput(f"unknown IANA timezone {value!r}", field="timezone")
    return value


def _check_locale(value: str) -> str:
    if not _LOCALE.fullmatch(_require_text(value, "locale")):
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
    # Field of ACCOUNT_FIELDS -> time and account version (when it had one) of the account event
    # that last set it (see apply_account).
    account_field_times: dict[str, datetime] = field(default_factory=dict)
    account_field_versions: dict[str, int] = field(default_factory=dict)

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
        account_stamp: AccountStamp | None = None,
    ) -> Profile:
        """``account_stamp``: where the account event that creates it stands; it orders the
        account fields against later account events."""
        times = dict.fromkeys(ACCOUNT_FIELDS, account_stamp.time) if account_stamp else {}
        versions = (
            dict.fromkeys(ACCOUNT_FIELDS, account_stamp.version)
            if account_stamp is not None and account_stamp.version is not None
            else {}
        )
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
            account_field_times=times,
            account_field_versions=versions,
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

    def apply_account(
        self, values: dict[str, Any], stamp: AccountStamp, now: datetime
    ) -> list[str]:
        """Apply the account fields an account event carries (``email``, ``display_name``,
        ``roles``, ``status``: active or deactivated) and return those whose value changed.

        Last writer wins, field by field, by the event's stamp (``AccountStamp.not_older_than``):
        a field a newer account event already set is left alone, so an old event delivered late
        (a replay from the dead-letter topic) cannot undo a newer one, while its other fields
        still apply.
        A deleted profile takes no more account changes. A ``display_name`` of None stands for
        the email's local part, as at registration.
        """
        unknown = sorted(set(values) - set(ACCOUNT_FIELDS))
        if unknown:
            raise InvalidInput(f"not account fields: {', '.join(unknown)}")
        if self.is_deleted:
            return []
        fresh = {
            name: value
            for name, value in values.items()
            if stamp.not_older_than(
                self.account_field_times.get(name), self.account_field_versions.get(name)
            )
        }
        validated = self._validate_account_fields(fresh)
        changed = [name for name, value in validated.items() if getattr(self, name) != value]
        for name, value in validated.items():
            setattr(self, name, value)
        self.account_field_times = {**self.account_field_times, **dict.fromkeys(fresh, stamp.time)}
        if stamp.version is not None:
            self.account_field_versions = {
                **self.account_field_versions,
                **dict.fromkeys(fresh, stamp.version),
            }
        if changed:
            self._touch(now)
        return changed

    def _validate_account_fields(self, values: dict[str, Any]) -> dict[str, Any]:
        validated: dict[str, Any] = {}
        if "email" in values:
            validated["email"] = normalize_email(_require_text(values["email"], "email"))
        if "display_name" in values:
            name = values["display_name"]
            if name is None:
                name = validated.get("email", self.email).split("@", 1)[0]
            validated["display_name"] = _check_display_name(name)
        if "roles" in values:
            validated["roles"] = check_roles(tuple(values["roles"]))
        if "status" in values:
            status = ProfileStatus(values["status"])
            if status is ProfileStatus.DELETED:
                raise InvalidInput("an account event deletes a profile with delete()")
            validated["status"] = status
        return validated

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
