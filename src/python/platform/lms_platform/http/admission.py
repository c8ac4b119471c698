"""Overload at the HTTP edge, for every service: a bounded wait for a database connection per
request, and an optional bound on the requests one process works on at once.

- ``bounded_wait_middleware``: each request's checkouts wait at most
  ``database_acquire_timeout_seconds`` (``lms_platform.persistence.admission``); past that the
  request is answered 503 with ``Retry-After`` (``lms_platform.http.problems``). Background work
  outside requests keeps the pool's longer wait.
- ``in_flight_limit_middleware``: beyond ``max_requests_in_flight`` requests in this process, a
  new one is answered 503 with ``Retry-After`` at once, before its body is read or its token
  checked. A CPU-bound process that takes every request makes them all slow (each holds its
  database connection longer while the event loop serves the others); shedding the excess
  keeps the admitted ones fast (docs/benchmarks/submission.md). Health, readiness and metrics
  are never shed.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from lms_platform.http.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, ProblemDetails
from lms_platform.metrics import HTTP_REQUESTS_SHED
from lms_platform.persistence.admission import bounded_wait

NEVER_SHED = frozenset({"/health", "/ready", "/metrics"})


def bounded_wait_middleware(seconds: float) -> Any:
    """ASGI middleware: the request's checkouts wait at most ``seconds`` in line."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def bounded(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            # All of the request's checkouts keep its place in line (by arrival).
            with bounded_wait(seconds, arrived=time.monotonic()):
                await app(scope, receive, send)

        return bounded

    return middleware


def in_flight_limit_middleware(
    limit: int,
    *,
    service: str,
    retry_after_seconds: int,
    never_shed: Collection[str] = NEVER_SHED,
) -> Any:
    """ASGI middleware: at most ``limit`` requests at once; the next gets 503 at once."""
    shed = HTTP_REQUESTS_SHED.labels(service=service)
    retry_after = str(retry_after_seconds).encode()
    # Litestar wraps each route in its own middleware stack, so the count lives here, once per
    # app, and not in ``middleware`` (that would be a limit per route).
    in_flight = [0]

    def middleware(app: ASGIApp) -> ASGIApp:
        async def limited(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope["path"] in never_shed:
                await app(scope, receive, send)
                return
            if in_flight[0] >= limit:
                shed.inc()
                await _send_busy(scope, send, retry_after)
                return
            in_flight[0] += 1
            try:
                await app(scope, receive, send)
            finally:
                in_flight[0] -= 1

        return limited

    return middleware


async def _send_busy(scope: Scope, send: Send, retry_after: bytes) -> None:
    raw_path = scope.get("raw_path") or scope["path"].encode()
    body = msgspec.json.encode(
        ProblemDetails(
            type=PROBLEM_TYPE_BASE + "overloaded",
            title="Service Unavailable",
            status=503,
            detail="The service is busy; retry after the Retry-After header's seconds.",
            instance=raw_path.decode("latin-1"),
            code="overloaded",
            request_id=scope.get("request_id"),  # type: ignore[arg-type]
            extra={"retry_after_seconds": int(retry_after)},
        )
    )
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 503,
        "headers": [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", retry_after),
        ],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(end)
