"""Colleges (tenants), accounts and refresh-token families, with the rules that guard them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.roles import ALL_ROLES
from lms_platform.kernel.text import EMAIL_PATTERN

# Public so that the HTTP schema tells clients the same rule; checked with fullmatch.
SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_EMAIL = re.compile(EMAIL_PATTERN)
_SLUG = re.compile(SLUG_PATTERN)
MAX_NAME = 200
MAX_DISPLAY_NAME = 100
MAX_PASSWORD = 256  # a hash of a megabyte "password" would be a cheap denial of service
MAX_PASSWORD_AGE_DAYS = 3650


class CharacterClass(StrEnum):
    LOWER = "lower"
    UPPER = "upper"
    DIGIT = "digit"
    SYMBOL = "symbol"


def _is_symbol(char: str) -> bool:
    return not char.isalnum() and not char.isspace()


_CLASS_TESTS: dict[CharacterClass, Callable[[str], bool]] = {
    CharacterClass.LOWER: str.islower,
    CharacterClass.UPPER: str.isupper,
    CharacterClass.DIGIT: str.isdigit,
    CharacterClass.SYMBOL: _is_symbol,
}

DEFAULT_REJECTED_PASSWORDS = frozenset(
    {"password", "password1", "password123", "12345678", "123456789", "qwerty123", "letmein1"}
)


def normalize_email(email: str) -> str:
    value = email.strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise InvalidInput("email is not a valid address", field="email")
    return value


def check_slug(slug: str) -> str:
    if not _SLUG.fullmatch(slug):
        raise InvalidInput(
            "slug must be 1 to 64 lowercase letters, digits or inner hyphens", field="slug"
        )
    return slug


def check_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    unknown = sorted(set(roles) - ALL_ROLES)
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(unknown)}", field="roles")
    if not roles:
        raise InvalidInput("an account needs at least one role", field="roles")
    return tuple(sorted(set(roles)))


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordPolicy:
    min_length: int = 12
    required_classes: frozenset[CharacterClass] = frozenset()
    rejected_passwords: frozenset[str] = DEFAULT_REJECTED_PASSWORDS
    max_age_days: int | None = None  # None: passwords never expire

    def __post_init__(self) -> None:
        if not 8 <= self.min_length <= MAX_PASSWORD:
            raise InvalidInput(
                f"min_length must be between 8 and {MAX_PASSWORD}", field="password_policy"
            )
        if self.max_age_days is not None and not 1 <= self.max_age_days <= MAX_PASSWORD_AGE_DAYS:
            raise InvalidInput(
                f"max_age_days must be between 1 and {MAX_PASSWORD_AGE_DAYS}",
                field="password_policy",
            )

    def is_expired(self, changed_at: datetime, now: datetime) -> bool:
        return self.max_age_days is not None and now >= changed_at + timedelta(
            days=self.max_age_days
        )

    def check(self, password: str) -> None:
        """Raises ``InvalidInput`` naming every rule the password breaks."""
        problems: list[str] = []
        if len(password) < self.min_length:
            problems.append(f"at least {self.min_length} characters")
        if len(password) > MAX_PASSWORD:
            problems.append(f"at most {MAX_PASSWORD} characters")
        for wanted in sorted(self.required_classes):
            if not any(_CLASS_TESTS[wanted](c) for c in password):
                problems.append(f"a {wanted.value} character")
        if password.lower() in {p.lower() for p in self.rejected_passwords}:
            problems.append("not a commonly used password")
        if problems:
            raise InvalidInput("password needs " + ", ".join(problems), field="password")


@dataclass(frozen=True, slots=True, kw_only=True)
class LockoutPolicy:
    """After ``threshold`` consecutive failures, each further failure doubles the cool-down."""

    threshold: int = 5
    base_cooldown: timedelta = timedelta(seconds=30)
    max_cooldown: timedelta = timedelta(hours=1)

    def cooldown(self, failures: int) -> timedelta | None:
        if failures < self.threshold:
            return None
        exponent = min(failures - self.threshold, 20)  # 2**20 is already far past any cap
        cooldown: timedelta = self.base_cooldown * (2**exponent)
        return min(cooldown, self.max_cooldown)


@dataclass(slots=True, kw_only=True)
class College:
    id: UUID
    slug: str
    name: str
    password_policy: PasswordPolicy = field(default_factory=PasswordPolicy)
    created_at: datetime
    allow_self_signup: bool = False
    # Self-signed-up accounts cannot log in before their email is verified (a setting, on by
    # default: anyone could otherwise sign up as prof@college.edu and be them at once).
    signup_requires_verification: bool = True

    @classmethod
    def create(
        cls, *, id: UUID, slug: str, name: str, policy: PasswordPolicy, now: datetime
    ) -> College:
        name = name.strip()
        if not 1 <= len(name) <= MAX_NAME:
            raise InvalidInput(f"name must have 1 to {MAX_NAME} characters", field="name")
        return cls(id=id, slug=check_slug(slug), name=name, password_policy=policy, created_at=now)

    @property
    def tenant_id(self) -> str:
        """The id other services see as the tenant (token ``college`` claim, event ``tenant``)."""
        return str(self.id)

    def change_settings(
        self,
        policy: PasswordPolicy,
        allow_self_signup: bool,
        signup_requires_verification: bool | None = None,
    ) -> list[str]:
        """Applies the settings; returns which parts changed (``password_policy`` fields by
        name, ``allow_self_signup``, ``signup_requires_verification``), empty when nothing
        did. ``None`` keeps the verification rule."""
        if signup_requires_verification is None:
            signup_requires_verification = self.signup_requires_verification
        old = self.password_policy
        changed = {
            "min_length": policy.min_length != old.min_length,
            "required_classes": policy.required_classes != old.required_classes,
            "rejected_passwords": policy.rejected_passwords != old.rejected_passwords,
            "max_age_days": policy.max_age_days != old.max_age_days,
            "allow_self_signup": allow_self_signup != self.allow_self_signup,
            "signup_requires_verification": (
                signup_requires_verification != self.signup_requires_verification
            ),
        }
        self.password_policy = policy
        self.allow_self_signup = allow_self_signup
        self.signup_requires_verification = signup_requires_verification
        return [name for name, differs in changed.items() if differs]


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DEACTIVATED = "deactivated"


@dataclass(slots=True, kw_only=True)
class Account:
    id: UUID
    college_id: UUID
    email: str
    display_name: str | None
    password_hash: str | None  # None until an invited or imported account sets a password
    roles: tuple[str, ...]
    status: AccountStatus = AccountStatus.ACTIVE
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1
    password_changed_at: datetime | None = None  # None: no password yet (or set before 0003)
    email_verified_at: datetime | None = None
    # Signed up where the college requires verification, and not verified yet: not usable (no
    # login, and no ``account.registered``) until ``become_usable``.
    awaits_verification: bool = False

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        college_id: UUID,
        email: str,
        display_name: str | None,
        password_hash: str | None,
        roles: tuple[str, ...],
        now: datetime,
    ) -> Account:
        if display_name is not None:
            display_name = display_name.strip() or None
        if display_name is not None and len(display_name) > MAX_DISPLAY_NAME:
            raise InvalidInput(
                f"display_name must have at most {MAX_DISPLAY_NAME} characters",
                field="display_name",
            )
        return cls(
            id=id,
            college_id=college_id,
            email=normalize_email(email),
            display_name=display_name,
            password_hash=password_hash,
            roles=check_roles(roles),
            created_at=now,
            updated_at=now,
            password_changed_at=now if password_hash is not None else None,
        )

    @property
    def is_active(self) -> bool:
        return self.status is AccountStatus.ACTIVE

    def locked_for(self, now: datetime) -> timedelta | None:
        if self.locked_until is None or self.locked_until <= now:
            return None
        return self.locked_until - now

    def login_failed(self, now: datetime, policy: LockoutPolicy) -> timedelta | None:
        """Counts a failure; returns the cool-down it started, if any."""
        self.failed_logins += 1
        cooldown = policy.cooldown(self.failed_logins)
        if cooldown is not None:
            self.locked_until = now + cooldown
        self._touch(now)
        return cooldown

    def change_email(self, email: str, now: datetime) -> bool:
        """False when it already was this address; uniqueness is the caller's to check."""
        wanted = normalize_email(email)
        if wanted == self.email:
            return False
        self.email = wanted
        self.email_verified_at = None  # the new address is not proven yet
        self._touch(now)
        return True

    def rename(self, display_name: str | None, now: datetime) -> bool:
        wanted = display_name.strip() or None if display_name is not None else None
        if wanted is not None and len(wanted) > MAX_DISPLAY_NAME:
            raise InvalidInput(
                f"display_name must have at most {MAX_DISPLAY_NAME} characters",
                field="display_name",
            )
        if wanted == self.display_name:
            return False
        self.display_name = wanted
        self._touch(now)
        return True

    def assign_roles(self, roles: tuple[str, ...], now: datetime) -> bool:
        """Replaces the roles; False when they were already exactly these."""
        wanted = check_roles(roles)
        if wanted == self.roles:
            return False
        self.roles = wanted
        self._touch(now)
        return True

    def login_succeeded(self, now: datetime) -> bool:
        if self.failed_logins == 0 and self.locked_until is None:
            return False
        self.failed_logins = 0
        self.locked_until = None
        self._touch(now)
        return True

    def deactivate(self, now: datetime) -> bool:
        if self.status is AccountStatus.DEACTIVATED:
            return False
        self.status = AccountStatus.DEACTIVATED
        self._touch(now)
        return True

    def reactivate(self, now: datetime) -> bool:
        if self.status is AccountStatus.ACTIVE:
            return False
        self.status = AccountStatus.ACTIVE
        self.failed_logins = 0
        self.locked_until = None
        self._touch(now)
        return True

    def set_password(self, password_hash: str, now: datetime) -> None:
        """A new password (changed, reset or first set): it also ends any lock-out."""
        self.password_hash = password_hash
        self.password_changed_at = now
        self.failed_logins = 0
        self.locked_until = None
        self._touch(now)

    def rehash_password(self, password_hash: str, now: datetime) -> None:
        """The same password under a stronger hash: its age does not change."""
        self.password_hash = password_hash
        self._touch(now)

    def password_expired(self, policy: PasswordPolicy, now: datetime) -> bool:
        return self.password_hash is not None and policy.is_expired(
            self.password_changed_at or self.created_at, now
        )

    def waits_for_verification(self, college: College) -> bool:
        """True while login must wait for the email: only for an account still waiting, and
        only while its college requires it."""
        return self.awaits_verification and college.signup_requires_verification

    def become_usable(self, now: datetime) -> bool:
        """The waiting ends (email verified, or the college dropped the rule); True only the
        first time: that is when ``account.registered`` goes out."""
        if not self.awaits_verification:
            return False
        self.awaits_verification = False
        self._touch(now)
        return True

    def verify_email(self, now: datetime) -> bool:
        if self.email_verified_at is not None:
            return False
        self.email_verified_at = now
        self._touch(now)
        return True

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1


@dataclass(slots=True, kw_only=True)
class RefreshToken:
    """One link of a rotation chain. Only a hash of the secret is stored.

    A token is used once: using it issues the next token of its family. A second use means it
    leaked (or was stolen), so the whole family is revoked, the legitimate holder's too.
    """

    id: UUID
    family_id: UUID
    account_id: UUID
    college_id: UUID
    secret_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at

    def mark_used(self, now: datetime) -> None:
        self.used_at = now

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
