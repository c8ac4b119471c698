"""OpenTelemetry set-up and W3C trace-context propagation over HTTP and Kafka headers."""

from lms_platform.tracing.setup import (
    configure_tracing,
    current_traceparent,
    extract_context,
    inject_headers,
    tracer,
)

__all__ = [
    "configure_tracing",
    "current_traceparent",
    "extract_context",
    "inject_headers",
    "tracer",
]
