"""One ASGI middleware for request ids, the server span, RED metrics and the access log.

One layer instead of four keeps the per-request overhead small: each concern is a few
attribute reads around the same ``send`` wrapper.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from lms_platform.http.problems import status_for_exception
from lms_platform.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS, HTTP_REQUESTS_IN_PROGRESS

REQUEST_ID_HEADER = b"x-request-id"
_MAX_REQUEST_ID_LENGTH = 128

_access_log = structlog.get_logger("lms.access")
_tracer = trace.get_tracer("lms_platform.http")


def observability_middleware_factory(service: str, *, access_log: bool = True) -> Any:
    in_progress = HTTP_REQUESTS_IN_PROGRESS.labels(service=service)
    # Label lookups are cached per (method, route, status): prometheus-client's .labels() is
    # a dict lookup plus a lock, and this path runs on every request.
    counters: dict[tuple[str, str, int], Any] = {}
    histograms: dict[tuple[str, str], Any] = {}

    def middleware(app: ASGIApp) -> ASGIApp:
        async def observe(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            started = time.perf_counter()
            request_id = None
            traceparent = None
            for name, value in scope["headers"]:
                if name == REQUEST_ID_HEADER:
                    request_id = value.decode("latin-1")[:_MAX_REQUEST_ID_LENGTH]
                elif name == b"traceparent":
                    traceparent = value.decode("latin-1")
            if not request_id:
                request_id = uuid.uuid4().hex
            scope["request_id"] = request_id  # type: ignore[typeddict-unknown-key]
            method = scope["method"]
            route = scope.get("path_template") or scope["path"]
            status = 500
            encoded_request_id = request_id.encode("latin-1")

            async def send_with_request_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    headers = list(message.get("headers", ()))
                    headers.append((REQUEST_ID_HEADER, encoded_request_id))
                    message["headers"] = headers
                await send(message)

            parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
            in_progress.inc()
            structlog.contextvars.bind_contextvars(request_id=request_id)
            try:
                with _tracer.start_as_current_span(
                    f"{method} {route}",
                    context=parent,
                    kind=SpanKind.SERVER,
                    attributes={
                        "http.request.method": method,
                        "http.route": route,
                        "url.path": scope["path"],
                        "lms.request_id": request_id,
                    },
                    record_exception=False,
                    set_status_on_exception=False,
                ) as span:
                    try:
                        await app(scope, receive, send_with_request_id)
                    except Exception as exc:
                        # Litestar turns the exception into a response outside this middleware;
                        # record the status that response will carry.
                        status = status_for_exception(exc)
                        raise
                    finally:
                        span.set_attribute("http.response.status_code", status)
                        if status >= 500:
                            span.set_status(Status(StatusCode.ERROR))
                        elapsed = time.perf_counter() - started
                        _record(method, route, status, elapsed)
                        if access_log:
                            _access_log.info(
                                "request",
                                method=method,
                                route=route,
                                path=scope["path"],
                                status=status,
                                duration_ms=round(elapsed * 1000, 2),
                            )
            finally:
                in_progress.dec()
                structlog.contextvars.unbind_contextvars("request_id")

        return observe

    def _record(method: str, route: str, status: int, elapsed: float) -> None:
        counter = counters.get((method, route, status))
        if counter is None:
            counter = HTTP_REQUESTS.labels(
                service=service, method=method, route=route, status=str(status)
            )
            counters[(method, route, status)] = counter
        counter.inc()
        histogram = histograms.get((method, route))
        if histogram is None:
            histogram = HTTP_REQUEST_DURATION.labels(service=service, method=method, route=route)
            histograms[(method, route)] = histogram
        histogram.observe(elapsed)

    return middleware
