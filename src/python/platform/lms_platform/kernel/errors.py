"""Errors that use cases raise. The HTTP adapter maps each kind to one status code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base of every expected failure; ``code`` is a stable machine-readable identifier."""

    code = "domain_error"

    def __init__(self, detail: str, *, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = dict(extra or {})


class NotFound(DomainError):
    code = "not_found"


class PermissionDenied(DomainError):
    code = "permission_denied"


class Conflict(DomainError):
    code = "conflict"


class InvalidInput(DomainError):
    """A value broke a domain rule (the request was well-formed, its content was not)."""

    code = "invalid_input"

    def __init__(
        self, detail: str, *, field: str | None = None, extra: Mapping[str, Any] | None = None
    ) -> None:
        merged = dict(extra or {})
        if field is not None:
            merged["field"] = field
        super().__init__(detail, extra=merged)
        self.field = field


class PreconditionFailed(DomainError):
    """Optimistic concurrency: the caller's version is stale."""

    code = "precondition_failed"
