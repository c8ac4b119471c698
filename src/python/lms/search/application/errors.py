"""Errors of the search use cases (the platform's kinds; each maps to one HTTP status)."""

from __future__ import annotations

from lms_platform.kernel.errors import InvalidInput, PermissionDenied

__all__ = ["IndexWriteError", "InvalidCursor", "PermissionDenied"]


class InvalidCursor(InvalidInput):
    """The page cursor was not one this service handed out."""


class IndexWriteError(RuntimeError):
    """The engine refused documents for another reason than a newer version being stored."""
