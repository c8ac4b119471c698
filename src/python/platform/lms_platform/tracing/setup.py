"""Tracing. One ``TracerProvider`` per process, exporting over OTLP/HTTP when an endpoint is set.

Tests pass their own exporter (``InMemorySpanExporter``) and a synchronous processor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased

_provider: TracerProvider | None = None


def sampler(ratio: float) -> Sampler:
    """The platform's sampler: a request that carries a trace context follows its sampled flag
    (so a trace is recorded in every service or in none); a new trace is recorded with
    probability ``ratio``, decided from its trace id so that every service agrees."""
    return ParentBased(TraceIdRatioBased(ratio))


def configure_tracing(
    service: str,
    *,
    otlp_endpoint: str = "",
    sample_ratio: float = 1.0,
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Install the process-wide tracer provider (idempotent: later calls add exporters).
    Services pass their ``trace_sample_ratio`` setting (0.1 unless set); tests keep 1.0."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(
            resource=Resource.create({"service.name": service}),
            sampler=sampler(sample_ratio),
        )
        trace.set_tracer_provider(_provider)
        if otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
            _provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    if exporter is not None:
        _provider.add_span_processor(SimpleSpanProcessor(exporter))
    return _provider


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def inject_headers(carrier: dict[str, str] | None = None) -> dict[str, str]:
    """Write the current context's ``traceparent`` (and ``tracestate``) into ``carrier``."""
    carrier = {} if carrier is None else carrier
    propagate.inject(carrier)
    return carrier


def extract_context(headers: Mapping[str, str] | Iterable[tuple[str, bytes]]) -> Context:
    """Read a W3C trace context from HTTP-style or Kafka-style (name, bytes) headers."""
    if isinstance(headers, Mapping):
        carrier = {k.lower(): v for k, v in headers.items()}
    else:
        carrier = {
            name.lower(): value.decode() if isinstance(value, bytes) else value
            for name, value in headers
        }
    return propagate.extract(carrier)


def current_traceparent() -> str | None:
    return inject_headers().get("traceparent")
