"""Failures the use cases raise beyond the kernel's (``NotFound``, ``Conflict``, ...). The HTTP
adapter maps them to 400, 401, 403 and 429."""

from __future__ import annotations

from lms_platform.kernel.errors import DomainError, InvalidInput

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


class InvalidToken(DomainError):
    """One answer for unknown, spent, expired and mismatched emailed tokens."""

    code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("the link is invalid or has expired; request a new one")


class TooManyRequests(DomainError):
    code = "too_many_requests"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "too many requests; try again later", extra={"retry_after": retry_after_seconds}
        )
        self.retry_after_seconds = retry_after_seconds


class TooManyItems(InvalidInput):
    code = "too_many_items"
