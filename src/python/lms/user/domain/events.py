"""Facts the user service tells other services, on the ``user`` topic keyed by user id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from lms.user.domain.model import Profile
from lms_platform.kernel.events import DomainEvent

USER_TOPIC = "user"


def profile_snapshot(profile: Profile) -> dict[str, Any]:
    return {
        "id": str(profile.id),
        "email": profile.email,
        "display_name": profile.display_name,
        "avatar_url": profile.avatar_url,
        "bio": profile.bio,
        "timezone": profile.timezone,
        "locale": profile.locale,
        "roles": list(profile.roles),
        "status": profile.status.value,
        "version": profile.version,
        "updated_at": profile.updated_at.isoformat(),
    }


@dataclass(frozen=True, kw_only=True)
class UserCreated(DomainEvent):
    event_type: ClassVar[str] = "user.created"
    topic: ClassVar[str] = USER_TOPIC
    profile: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class UserUpdated(DomainEvent):
    event_type: ClassVar[str] = "user.updated"
    topic: ClassVar[str] = USER_TOPIC
    changed_fields: list[str]
    profile: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class UserDeleted(DomainEvent):
    event_type: ClassVar[str] = "user.deleted"
    topic: ClassVar[str] = USER_TOPIC
    email: str
    deleted_at: str


def user_created(profile: Profile) -> UserCreated:
    return UserCreated(
        aggregate_id=str(profile.id), tenant_id=profile.tenant_id, profile=profile_snapshot(profile)
    )


def user_updated(profile: Profile, changed_fields: list[str]) -> UserUpdated:
    return UserUpdated(
        aggregate_id=str(profile.id),
        tenant_id=profile.tenant_id,
        changed_fields=sorted(changed_fields),
        profile=profile_snapshot(profile),
    )


def user_deleted(profile: Profile, deleted_at: datetime) -> UserDeleted:
    return UserDeleted(
        aggregate_id=str(profile.id),
        tenant_id=profile.tenant_id,
        email=profile.email,
        deleted_at=deleted_at.isoformat(),
    )
