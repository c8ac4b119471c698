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


class SignupClosed(PermissionDenied):
    """Also the answer for an unknown college: the two are not told apart."""

    code = "signup_closed"

    def __init__(self) -> None:
        super().__init__("self-signup is not open for this college")
