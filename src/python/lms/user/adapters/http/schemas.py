"""Request and response bodies of the user API. Unknown fields are rejected, not ignored."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from lms.user.domain.model import (
    AVATAR_URL_PATTERN,
    LOCALE_PATTERN,
    TIMEZONES,
    Preferences,
    Profile,
)
from lms_platform.http.openapi import documented
from lms_platform.kernel.text import NOT_BLANK_PATTERN

# Lengths are checked while decoding (400); the documented rules by the domain (422).
DisplayName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100), documented(pattern=NOT_BLANK_PATTERN)
]
# "" clears the avatar, like null.
Url = Annotated[str, msgspec.Meta(max_length=2048), documented(pattern=f"^$|{AVATAR_URL_PATTERN}")]
Bio = Annotated[str, msgspec.Meta(max_length=2000)]
Timezone = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64), documented(enum=sorted(TIMEZONES))
]
Locale = Annotated[
    str, msgspec.Meta(min_length=2, max_length=35), documented(pattern=LOCALE_PATTERN)
]


class ReplaceUserRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """PUT: the full editable representation; omitted optional fields are cleared."""

    display_name: DisplayName
    avatar_url: Url | None = None
    bio: Bio | None = None
    timezone: Timezone = "UTC"
    locale: Locale = "en"


class PatchUserRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """PATCH: only the fields present change; ``null`` clears an optional field."""

    display_name: DisplayName | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET
    bio: Bio | None | UnsetType = UNSET
    timezone: Timezone | UnsetType = UNSET
    locale: Locale | UnsetType = UNSET

    def changes(self) -> dict[str, object]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not UNSET
        }


class PreferencesBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    email_notifications: bool = True
    push_notifications: bool = True
    digest_frequency: Literal["never", "daily", "weekly"] = "daily"
    theme: Literal["system", "light", "dark"] = "system"
    high_contrast: bool = False
    reduced_motion: bool = False
    show_profile_to_classmates: bool = True

    def to_domain(self) -> Preferences:
        return msgspec.convert(msgspec.to_builtins(self), Preferences)

    @classmethod
    def from_domain(cls, preferences: Preferences) -> PreferencesBody:
        return msgspec.convert(msgspec.to_builtins(preferences), cls)


class UserResponse(msgspec.Struct, kw_only=True):
    id: UUID
    college_id: str
    email: str
    display_name: str
    avatar_url: str | None
    bio: str | None
    timezone: str
    locale: str
    roles: list[str]
    status: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_domain(cls, profile: Profile) -> UserResponse:
        return cls(
            id=profile.id,
            college_id=profile.tenant_id,
            email=profile.email,
            display_name=profile.display_name,
            avatar_url=profile.avatar_url,
            bio=profile.bio,
            timezone=profile.timezone,
            locale=profile.locale,
            roles=list(profile.roles),
            status=profile.status.value,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
            version=profile.version,
        )
