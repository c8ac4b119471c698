"""Kafka header names and conversions.

Records carry the envelope in their value (structured mode) and, for routing and inspection
without decoding, its attributes as ``ce_*`` headers (the CloudEvents Kafka binding's names).
Dead-lettered records add ``x-dlq-*`` headers, after Spring Kafka's ``kafka_dlt-*`` and Kafka
Connect's ``__connect.errors.*`` conventions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lms_platform.messaging.envelope import ENVELOPE_CONTENT_TYPE, Envelope

__all__ = [
    "CONTENT_TYPE",
    "DLQ_ATTEMPTS",
    "DLQ_CONSUMER_GROUP",
    "DLQ_ERROR",
    "DLQ_ERROR_TYPE",
    "DLQ_FAILED_AT",
    "DLQ_ORIGINAL_OFFSET",
    "DLQ_ORIGINAL_PARTITION",
    "DLQ_ORIGINAL_TOPIC",
    "TRACEPARENT",
    "TRACESTATE",
    "cloudevent_headers",
    "decode_headers",
    "encode_headers",
]

CONTENT_TYPE = "content-type"
TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"

DLQ_ERROR = "x-dlq-error"
DLQ_ERROR_TYPE = "x-dlq-error-type"
DLQ_ORIGINAL_TOPIC = "x-dlq-original-topic"
DLQ_ORIGINAL_PARTITION = "x-dlq-original-partition"
DLQ_ORIGINAL_OFFSET = "x-dlq-original-offset"
DLQ_CONSUMER_GROUP = "x-dlq-consumer-group"
DLQ_ATTEMPTS = "x-dlq-attempts"
DLQ_FAILED_AT = "x-dlq-failed-at"


def cloudevent_headers(envelope: Envelope) -> dict[str, str]:
    headers = {
        CONTENT_TYPE: ENVELOPE_CONTENT_TYPE,
        "ce_specversion": envelope.specversion,
        "ce_id": envelope.id,
        "ce_type": envelope.type,
        "ce_source": envelope.source,
        "ce_time": envelope.time.isoformat(),
        "ce_subject": envelope.subject,
        "ce_schemaversion": str(envelope.schemaversion),
    }
    if envelope.tenant is not None:
        headers["ce_tenant"] = envelope.tenant
    return headers


def encode_headers(headers: Mapping[str, str]) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in headers.items()]


def decode_headers(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """Kafka headers as text; bytes that are not UTF-8 are replaced rather than failing."""
    return {name: (value or b"").decode("utf-8", errors="replace") for name, value in headers}
