"""The one event envelope every service publishes: CloudEvents 1.0 attributes plus our extensions.

``data`` is kept as ``msgspec.Raw`` (the undecoded JSON bytes of the payload), not a dict:
producer and consumer never share a payload class (no service imports another), so the
envelope cannot be generic over it. Raw defers decoding to the consumer, which decodes straight
into its own strict msgspec Struct with ``envelope.data_as(MyStruct)`` (no dict round trip,
unknown fields ignored, so producers can add fields without breaking consumers), and lets the
DLQ replay and the relay forward an envelope byte for byte.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from lms_platform.kernel.events import DomainEvent
from lms_platform.tracing import current_traceparent

__all__ = [
    "ENVELOPE_CONTENT_TYPE",
    "Envelope",
    "EnvelopeDecodeError",
    "decode_envelope",
    "encode_envelope",
    "envelope_of",
    "new_envelope",
]

T = TypeVar("T")

# Structured-mode CloudEvents over Kafka: the whole envelope is the record value.
ENVELOPE_CONTENT_TYPE = "application/cloudevents+json"

UtcDateTime = Annotated[datetime, msgspec.Meta(tz=True)]

_encoder = msgspec.json.Encoder()


class EnvelopeDecodeError(ValueError):
    """The bytes are not a valid envelope (or its ``data`` does not fit the requested type)."""


class Envelope(msgspec.Struct, frozen=True, kw_only=True):
    """A CloudEvents-style event. ``specversion`` versions the envelope itself;
    ``schemaversion`` versions the schema of ``data`` for this ``type``."""

    specversion: Literal["1.0"] = "1.0"
    id: str
    """A UUID string, unique per event; consumers deduplicate on it."""
    type: str
    """``<aggregate>.<past-tense verb>``, e.g. ``user.created``."""
    source: str
    """The publishing service, e.g. ``user``."""
    time: UtcDateTime
    subject: str
    """The aggregate id; also the Kafka key, so one aggregate's events stay ordered."""
    tenant: str | None
    """The college id, or ``None`` for platform-wide events."""
    schemaversion: int = 1
    datacontenttype: Literal["application/json"] = "application/json"
    traceparent: str | None = None
    """W3C trace context of the operation that caused the event."""
    data: msgspec.Raw

    def required_tenant(self) -> str:
        """The college id; an event without one belongs to no college, so no consumer that keeps
        per-college data can place it (``EnvelopeDecodeError``, hence straight to the DLQ)."""
        if not self.tenant:
            raise EnvelopeDecodeError(f"{self.type} {self.id} has no tenant")
        return self.tenant

    def data_as(self, data_type: builtins.type[T], *, strict: bool = True) -> T:
        """Decode ``data`` into the consumer's own type (usually a msgspec Struct).

        (``builtins.type``: inside this class ``type`` is the event-type field.)"""
        try:
            return msgspec.json.decode(self.data, type=data_type, strict=strict)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise EnvelopeDecodeError(
                f"data of {self.type} v{self.schemaversion} (id {self.id}) is not a valid "
                f"{getattr(data_type, '__name__', data_type)}: {exc}"
            ) from exc


_decoder = msgspec.json.Decoder(Envelope)


def encode_envelope(envelope: Envelope) -> bytes:
    return _encoder.encode(envelope)


def decode_envelope(payload: bytes | bytearray | memoryview | None) -> Envelope:
    if not payload:
        raise EnvelopeDecodeError("empty message value")
    try:
        envelope = _decoder.decode(payload)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise EnvelopeDecodeError(f"not a valid event envelope: {exc}") from exc
    try:
        uuid.UUID(envelope.id)
    except ValueError as exc:
        raise EnvelopeDecodeError(f"envelope id {envelope.id!r} is not a UUID") from exc
    return envelope


def new_envelope(
    type: str,  # - the CloudEvents attribute name
    source: str,
    subject: str,
    tenant: str | None,
    data: Any,
    *,
    schemaversion: int = 1,
    id: str | None = None,
    time: datetime | None = None,
    traceparent: str | None = None,
) -> Envelope:
    """Build an envelope for ``data`` (a msgspec Struct, dataclass or dict).

    ``id`` and ``time`` are generated, ``traceparent`` is taken from the current span, unless
    given explicitly (tests, replays).
    """
    if time is not None and time.tzinfo is None:
        raise ValueError("envelope time must be timezone-aware (UTC)")
    return Envelope(
        id=id or str(uuid.uuid4()),
        type=type,
        source=source,
        time=(time or datetime.now(UTC)).astimezone(UTC),
        subject=subject,
        tenant=tenant,
        schemaversion=schemaversion,
        traceparent=traceparent if traceparent is not None else current_traceparent(),
        data=msgspec.Raw(_encoder.encode(data)),
    )


def envelope_of(event: DomainEvent, source: str) -> Envelope:
    """The envelope a unit of work stores in its outbox for a domain event."""
    return new_envelope(
        event.event_type,
        source,
        event.aggregate_id,
        event.tenant_id,
        event.payload(),
        schemaversion=event.schema_version,
    )
