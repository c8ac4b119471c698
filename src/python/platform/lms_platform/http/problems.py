"""RFC 9457 problem details: every error leaves a service in this one JSON shape."""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lms_platform.http.request_ids import REQUEST_ID_HEADER, establish_request_id
from lms_platform.kernel.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://errors.lms.dev/"
REQUEST_ID_HEADER_NAME = REQUEST_ID_HEADER.decode("latin-1")

_DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Conflict: 409,
    InvalidInput: 422,
    PreconditionFailed: 412,
}

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

# Retry-After of a pool timeout that does not say its own (lms_platform.persistence.DatabaseBusy
# carries the service's overload_retry_after_seconds).
DEFAULT_RETRY_AFTER_SECONDS = 2

_log = structlog.get_logger("lms.http")


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None
    extra: dict[str, Any] | None = None


def problem_response(
    request: Request[Any, Any, Any],
    status: int,
    *,
    code: str,
    detail: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ProblemDetails]:
    # Litestar's router refuses an unknown route or method before any middleware of the app
    # runs, and a middleware's own refusal (a 401) is answered outside the observability
    # middleware: this answer then carries the id and its header by itself.
    request_id = establish_request_id(request.scope)
    body = ProblemDetails(
        type=PROBLEM_TYPE_BASE + code,
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=_instance(request),
        code=code,
        request_id=request_id,
        errors=errors,
        extra=extra or None,
    )
    headers = {**(headers or {}), REQUEST_ID_HEADER_NAME: request_id}
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _instance(request: Request[Any, Any, Any]) -> str:
    """The path as sent, still percent-encoded: a URI reference (RFC 9457), which never
    carries a raw control character back to the client."""
    raw_path = request.scope.get("raw_path")
    if isinstance(raw_path, bytes) and raw_path:
        return raw_path.decode("latin-1")
    return request.url.path


def _http_code(status: int) -> str:
    return TITLES.get(status, "error").lower().replace(" ", "_")


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="lms"')
    errors: list[dict[str, Any]] | None = None
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        errors = [e if isinstance(e, dict) else {"message": str(e)} for e in exc.extra]
    detail = exc.detail
    if status >= 500:
        detail = "An unexpected error occurred."
    return problem_response(
        request,
        status,
        code="validation_failed" if isinstance(exc, ValidationException) else _http_code(status),
        detail=detail,
        errors=errors,
        headers=headers or None,
    )


def status_for_exception(exc: Exception) -> int:
    if isinstance(exc, HTTPException):
        return exc.status_code
    if isinstance(exc, PoolTimeout):
        return HTTP_503_SERVICE_UNAVAILABLE
    if isinstance(exc, DomainError):
        return next((code for kind, code in _DOMAIN_STATUS.items() if isinstance(exc, kind)), 400)
    return HTTP_500_INTERNAL_SERVER_ERROR


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_for_exception(exc)
    return problem_response(request, status, code=exc.code, detail=exc.detail, extra=exc.extra)


def handle_database_busy(request: Request[Any, Any, Any], exc: PoolTimeout) -> Response[Any]:
    """No database connection within the allowed wait: overload, so 503 and when to retry
    (RFC 9110 Retry-After), never a 500. Nothing was written: the request got no connection."""
    retry_after = int(getattr(exc, "retry_after_seconds", DEFAULT_RETRY_AFTER_SECONDS))
    return problem_response(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        code="database_busy",
        detail="The service is busy; retry after the Retry-After header's seconds.",
        extra={"retry_after_seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    _log.exception("unhandled_error", path=request.url.path, error_type=type(exc).__name__)
    return problem_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal_error",
        detail="An unexpected error occurred.",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    HTTPException: handle_http_exception,
    DomainError: handle_domain_error,
    PoolTimeout: handle_database_busy,
    Exception: handle_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_MEDIA_TYPE", "MediaType", "ProblemDetails"]
