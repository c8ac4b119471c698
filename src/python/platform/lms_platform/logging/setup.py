"""Logging set-up. Standard-library loggers (uvicorn, aiokafka, sqlalchemy) go through the same
processors, so every line on stdout is one JSON object a log shipper can parse."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import IO, Any

import msgspec
import structlog
from opentelemetry import trace

_json_encoder = msgspec.json.Encoder()


def _add_trace_ids(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def _render_json(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> bytes:
    # msgspec is several times faster than json.dumps; ``str`` is the fallback for odd values.
    return _json_encoder.encode({k: v if _encodable(v) else str(v) for k, v in event_dict.items()})


def _encodable(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def configure_logging(
    service: str, level: str = "INFO", *, json: bool = True, stream: IO[str] | None = None
) -> None:
    """Configure structlog and the standard library once per process (``stream``: stdout)."""
    out: Any = stream if stream is not None else sys.stdout
    numeric_level = logging.getLevelName(level.upper())
    if not isinstance(numeric_level, int):
        raise ValueError(f"unknown log level {level!r}")

    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        structlog.processors.format_exc_info,
    ]

    def add_service(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> Any:
        event_dict.setdefault("service", service)
        return event_dict

    shared.insert(1, add_service)
    if json:
        renderer: Any = _render_json
        logger_factory: Any = structlog.BytesLoggerFactory(out.buffer)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=False)
        logger_factory = structlog.PrintLoggerFactory(out)

    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=logger_factory,
        cache_logger_on_first_use=True,
    )

    # Route the standard library through structlog's formatter so third-party logs are JSON too.
    formatter = structlog.stdlib.ProcessorFormatter(
        # ExtraAdder: a record's ``extra=`` fields (FastStream's topic, group_id, message_id)
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            (
                structlog.processors.JSONRenderer()
                if json
                else structlog.dev.ConsoleRenderer(colors=False)
            ),
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric_level)
    for noisy in ("aiokafka", "sqlalchemy.engine", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(numeric_level, logging.WARNING))


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
