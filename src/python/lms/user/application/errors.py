"""Errors of the user service's use cases, beyond the kernel's."""

from __future__ import annotations

from lms_platform.kernel.errors import InvalidInput, NotFound


class UnknownAccount(NotFound):
    """An account event about an account this service has no profile for: its
    ``account.registered`` never arrived here (dead-lettered, or older than the topic's
    retention). Replaying the registration first, then this event, repairs it."""

    code = "unknown_account"


class AccountMovedCollege(InvalidInput):
    """An account event names another college than the profile's: accounts never move."""

    code = "account_college_mismatch"
