"""One ASGI middleware for request ids, the server span, RED metrics and the access log.

One layer instead of four keeps the per-request overhead small: each concern is a few
attribute reads around the same ``send`` wrapper. What each one costs was measured on the user
service's hot path (docs/benchmarks/user.md): a recorded span ~150 µs, an access-log line
~55-80 µs. So spans follow the tracer's sampler (a ratio by default) and carry their
attributes only when recorded, and the access log keeps errors, slow requests and a sample.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from lms_platform.config import ServiceSettings
from lms_platform.config.settings import DEFAULT_ACCESS_LOG_SAMPLE_RATIO, DEFAULT_ACCESS_LOG_SLOW_MS
from lms_platform.http.problems import status_for_exception
from lms_platform.http.request_ids import REQUEST_ID_HEADER, request_id_from
from lms_platform.metrics import HTTP_REQUEST_DURATION, HTTP_REQUESTS, HTTP_REQUESTS_IN_PROGRESS

_access_log = structlog.get_logger("lms.access")
_tracer = trace.get_tracer("lms_platform.http")


@dataclass(frozen=True, slots=True)
class AccessLogPolicy:
    """Which requests get an access-log line: every error (status >= 400), every request
    slower than ``slow_ms``, and ``sample_ratio`` of the rest. ``enabled=False``: none."""

    enabled: bool = True
    sample_ratio: float = DEFAULT_ACCESS_LOG_SAMPLE_RATIO
    slow_ms: float = DEFAULT_ACCESS_LOG_SLOW_MS

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> AccessLogPolicy:
        return cls(
            enabled=settings.access_log,
            sample_ratio=settings.access_log_sample_ratio,
            slow_ms=settings.access_log_slow_ms,
        )

    def wants(self, status: int, elapsed_ms: float) -> bool:
        if not self.enabled:
            return False
        if status >= 400 or elapsed_ms >= self.slow_ms:
            return True
        return self.sample_ratio >= 1.0 or random.random() < self.sample_ratio


def observability_middleware_factory(
    service: str, *, access_log: bool | AccessLogPolicy = True
) -> Any:
    """``access_log``: a policy (``AccessLogPolicy.from_settings(settings)``), or a bool for
    the default policy / none at all."""
    policy = access_log if isinstance(access_log, AccessLogPolicy) else AccessLogPolicy(access_log)
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
            sent_request_id = None
            traceparent = None
            for name, value in scope["headers"]:
                if name == REQUEST_ID_HEADER:
                    sent_request_id = value
                elif name == b"traceparent":
                    traceparent = value.decode("latin-1")
            request_id = request_id_from(sent_request_id)
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
                    # Problem answers set it themselves (problems.py): some are sent around
                    # this middleware, by Litestar's outermost handler.
                    if not any(name == REQUEST_ID_HEADER for name, _ in headers):
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
                    record_exception=False,
                    set_status_on_exception=False,
                ) as span:
                    recording = span.is_recording()
                    if recording:
                        span.set_attributes(
                            {
                                "http.request.method": method,
                                "http.route": route,
                                "url.path": scope["path"],
                                "lms.request_id": request_id,
                            }
                        )
                    try:
                        await app(scope, receive, send_with_request_id)
                    except Exception as exc:
                        # Litestar turns the exception into a response outside this middleware;
                        # record the status that response will carry.
                        status = status_for_exception(exc)
                        raise
                    finally:
                        if recording:
                            span.set_attribute("http.response.status_code", status)
                            if status >= 500:
                                span.set_status(Status(StatusCode.ERROR))
                        elapsed = time.perf_counter() - started
                        _record(method, route, status, elapsed)
                        if policy.wants(status, elapsed * 1000):
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
