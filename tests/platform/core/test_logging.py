"""Logs are JSON lines carrying the service name and the current trace and span ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lms_platform.logging import configure_logging, get_logger
from lms_platform.tracing import configure_tracing


@pytest.fixture
def captured_stdout() -> Iterator[io.TextIOWrapper]:
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    yield buffer
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def _lines(stream: io.TextIOWrapper) -> list[dict[str, object]]:
    stream.flush()
    raw = stream.buffer.getvalue().decode()  # type: ignore[attr-defined]
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def test_log_lines_are_json_with_trace_ids(captured_stdout: io.TextIOWrapper) -> None:
    configure_tracing("logtest", exporter=InMemorySpanExporter())
    configure_logging("logtest", "INFO", stream=captured_stdout)
    log = get_logger("t")
    with trace.get_tracer("t").start_as_current_span("work") as span:
        log.info("inside", answer=42)
        context = span.get_span_context()
    log.info("outside")
    logging.getLogger("thirdparty").warning("from the standard library")

    inside, outside, stdlib = _lines(captured_stdout)
    assert inside["event"] == "inside" and inside["answer"] == 42
    assert inside["service"] == "logtest" and inside["level"] == "info"
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in outside
    assert stdlib["event"] == "from the standard library" and stdlib["service"] == "logtest"


def test_levels_below_the_configured_one_are_dropped(captured_stdout: io.TextIOWrapper) -> None:
    configure_logging("logtest", "WARNING", stream=captured_stdout)
    log = get_logger("t")
    log.info("hidden")
    log.warning("shown")
    assert [line["event"] for line in _lines(captured_stdout)] == ["shown"]


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("logtest", "LOUD")
