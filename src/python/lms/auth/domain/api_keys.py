"""API keys: a college's credentials for integrations and service-to-service calls.

A key is presented as ``lmsk_<key id hex>_<secret>``. Only a keyed hash of the secret is kept.
Rotation keeps the previous secret valid for an overlap window, so that a fleet of clients can
switch over without downtime; revocation ends every secret at once.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from lms.auth.domain.permissions import ALL_PERMISSIONS
from lms_platform.kernel.errors import Conflict, InvalidInput
from lms_platform.kernel.permissions import PLATFORM_ONLY_PERMISSIONS, Permission

KEY_PREFIX = "lmsk_"
MAX_NAME = 100
MAX_PRESENTED_KEY = 200  # far above a real key: bounds the work on garbage
MAX_OVERLAP = timedelta(days=7)
DEFAULT_OVERLAP = timedelta(hours=24)
# Principals authenticated by a key have ``user_id`` ``apikey:<id>`` (the token's ``sub``).
API_KEY_SUBJECT_PREFIX = "apikey:"
# A key acts inside one college, so platform permissions mean nothing on it; and a key that
# could manage keys could mint successors that outlive its own revocation.
GRANTABLE_SCOPES: frozenset[str] = (
    ALL_PERMISSIONS - PLATFORM_ONLY_PERMISSIONS - {str(Permission.API_KEY_MANAGE)}
)


class ApiKeyStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


def format_key(key_id: UUID, secret: str) -> str:
    return f"{KEY_PREFIX}{key_id.hex}_{secret}"


def parse_key(presented: str) -> tuple[UUID, str] | None:
    """The id and secret of a presented key, or None when it cannot be a key at all."""
    if len(presented) > MAX_PRESENTED_KEY or not presented.startswith(KEY_PREFIX):
        return None
    key_hex, separator, secret = presented[len(KEY_PREFIX) :].partition("_")
    if not separator or not secret or len(key_hex) != 32:
        return None
    try:
        return UUID(hex=key_hex), secret
    except ValueError:
        return None


def check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidInput(f"name must have 1 to {MAX_NAME} characters", field="name")
    return name


def check_scopes(
    scopes: tuple[str, ...], grantable: frozenset[str], held: frozenset[str] | None
) -> tuple[str, ...]:
    """``grantable``: what a key may carry at all; ``held``: the creator's own permissions
    (None: every grantable one, a super admin). A key never holds more than its creator."""
    if not scopes:
        raise InvalidInput("a key needs at least one scope", field="scopes")
    unknown = sorted(set(scopes) - grantable)
    if unknown:
        raise InvalidInput(f"unknown or ungrantable scopes: {', '.join(unknown)}", field="scopes")
    if held is not None:
        beyond = sorted(set(scopes) - held)
        if beyond:
            raise InvalidInput(
                f"you cannot grant scopes you do not hold: {', '.join(beyond)}", field="scopes"
            )
    return tuple(sorted(set(scopes)))


def check_overlap(overlap: timedelta) -> timedelta:
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise InvalidInput(
            f"overlap must be between 0 and {int(MAX_OVERLAP.total_seconds())} seconds",
            field="overlap_seconds",
        )
    return overlap


@dataclass(slots=True, kw_only=True)
class ApiKey:
    id: UUID
    college_id: UUID
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    created_at: datetime
    created_by: UUID | None
    expires_at: datetime | None = None
    # The secret before the last rotation, accepted until ``previous_valid_until``.
    previous_secret_hash: str | None = None
    previous_valid_until: datetime | None = None
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    usage_count: int = 0

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        college_id: UUID,
        name: str,
        scopes: tuple[str, ...],
        secret_hash: str,
        created_by: UUID | None,
        expires_at: datetime | None,
        now: datetime,
    ) -> ApiKey:
        if expires_at is not None and expires_at <= now:
            raise InvalidInput("expires_at must be in the future", field="expires_at")
        return cls(
            id=id,
            college_id=college_id,
            name=check_name(name),
            scopes=scopes,
            secret_hash=secret_hash,
            created_at=now,
            created_by=created_by,
            expires_at=expires_at,
        )

    def status(self, now: datetime) -> ApiKeyStatus:
        if self.revoked_at is not None:
            return ApiKeyStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return ApiKeyStatus.EXPIRED
        return ApiKeyStatus.ACTIVE

    def accepts(self, presented_hash: str, now: datetime) -> bool:
        """Both comparisons always run, so the time taken says nothing about which matched."""
        current = hmac.compare_digest(self.secret_hash, presented_hash)
        previous = hmac.compare_digest(self.previous_secret_hash or "", presented_hash)
        previous_live = self.previous_valid_until is not None and now < self.previous_valid_until
        return self.status(now) is ApiKeyStatus.ACTIVE and (current or (previous and previous_live))

    def rotate(self, new_secret_hash: str, overlap: timedelta, now: datetime) -> None:
        """A second rotation inside the window drops the oldest secret at once: at most two
        secrets are ever valid."""
        if self.status(now) is not ApiKeyStatus.ACTIVE:
            raise Conflict(f"a {self.status(now).value} key cannot be rotated")
        self.previous_secret_hash = self.secret_hash
        self.previous_valid_until = now + check_overlap(overlap)
        self.secret_hash = new_secret_hash
        self.rotated_at = now

    def revoke(self, now: datetime) -> bool:
        if self.revoked_at is not None:
            return False
        self.revoked_at = now
        return True
