"""Single-use credential tokens (password reset, email verification, invitation) and the rules
about a password's age. Only a hash of a token is stored; the token itself travels by email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms_platform.kernel.errors import PermissionDenied


class TokenPurpose(StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"
    INVITATION = "invitation"


@dataclass(slots=True, kw_only=True)
class CredentialToken:
    id: UUID
    purpose: TokenPurpose
    account_id: UUID
    college_id: UUID
    token_hash: str
    # The address the token was sent to: a verification token proves only that address, so
    # it is void once the account's email has changed.
    email: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def is_usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at


class PasswordExpired(PermissionDenied):
    """The password was right but is older than the college allows: reset it by email."""

    code = "password_expired"

    def __init__(self) -> None:
        super().__init__("the password has expired; request a password reset to choose a new one")


class EmailNotVerified(PermissionDenied):
    """The password was right, but a self-signed-up account logs in only once the emailed link
    has proven the address."""

    code = "email_not_verified"

    def __init__(self) -> None:
        super().__init__(
            "verify your email address first: follow the link we sent (or request a password "
            "reset, which proves it too)"
        )


class SignupClosed(PermissionDenied):
    """Also the answer for an unknown college: the two are not told apart."""

    code = "signup_closed"

    def __init__(self) -> None:
        super().__init__("self-signup is not open for this college")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuedPasswordReset:
    """A reset asked for by someone who may or may not have an account: queued as it came, so
    that answering it costs the same for every email; the worker looks it up later."""

    id: UUID
    college_slug: str
    email: str
    client_ip: str | None
    requested_at: datetime
