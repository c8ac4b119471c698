"""Failures of authentication itself. The HTTP adapter maps them to 401, 403 and 429."""

from __future__ import annotations

from lms_platform.kernel.errors import DomainError

# One message for every credential failure, so the answer never tells which part was wrong.
BAD_CREDENTIALS = "invalid credentials"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__(BAD_CREDENTIALS)


class AccountDisabled(DomainError):
    """Only said to a caller who proved the password: it reveals nothing they did not know."""

    code = "account_disabled"

    def __init__(self) -> None:
        super().__init__("this account is deactivated")


class LoginThrottled(DomainError):
    code = "too_many_attempts"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "too many login attempts; try again later",
            extra={"retry_after": retry_after_seconds},
        )
        self.retry_after_seconds = retry_after_seconds
