"""The envelope and the topic catalogue: pure code, no servers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import msgspec
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from lms_platform.messaging import (
    CATALOGUE,
    DOMAIN_TOPICS,
    Envelope,
    EnvelopeDecodeError,
    decode_envelope,
    dlq_topic_name,
    encode_envelope,
    new_envelope,
    topic_name,
)


class AccountRegistered(msgspec.Struct, frozen=True):
    email: str
    roles: list[str]


class NarrowerView(msgspec.Struct, frozen=True):
    email: str


def test_round_trip_keeps_every_attribute_and_the_payload() -> None:
    data = AccountRegistered(email="ada@example.edu", roles=["student"])
    envelope = new_envelope(
        "account.registered", "auth", "acc-1", "college-1", data, schemaversion=2
    )

    decoded = decode_envelope(encode_envelope(envelope))

    assert decoded == envelope
    assert decoded.specversion == "1.0"
    assert uuid.UUID(decoded.id).version == 4
    assert decoded.time.tzinfo is not None
    assert abs(decoded.time - datetime.now(UTC)) < timedelta(seconds=5)
    assert (decoded.type, decoded.source, decoded.subject, decoded.tenant) == (
        "account.registered", "auth", "acc-1", "college-1",
    )  # fmt: skip
    assert decoded.schemaversion == 2
    assert decoded.datacontenttype == "application/json"
    assert decoded.data_as(AccountRegistered) == data


def test_data_decodes_into_the_consumers_own_struct_ignoring_unknown_fields() -> None:
    envelope = new_envelope(
        "account.registered", "auth", "acc-1", None, {"email": "a@b.c", "roles": [], "extra": 1}
    )
    assert envelope.data_as(NarrowerView) == NarrowerView(email="a@b.c")
    assert envelope.tenant is None


def test_data_that_does_not_fit_the_schema_is_an_envelope_decode_error() -> None:
    envelope = new_envelope("account.registered", "auth", "acc-1", "c", {"email": 42})
    with pytest.raises(EnvelopeDecodeError, match="AccountRegistered"):
        envelope.data_as(AccountRegistered)


@pytest.mark.parametrize("tenant", [None, ""])
def test_an_event_without_a_college_has_no_required_tenant(tenant: str | None) -> None:
    envelope = new_envelope("user.created", "user", "u-1", tenant, {"email": "a@b.c"})
    with pytest.raises(EnvelopeDecodeError, match="has no tenant"):
        envelope.required_tenant()
    placed = new_envelope("user.created", "user", "u-1", "college-1", {"email": "a@b.c"})
    assert placed.required_tenant() == "college-1"


def test_time_is_normalised_to_utc_and_naive_times_are_refused() -> None:
    local = datetime(2030, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    envelope = new_envelope("user.created", "user", "u1", "c1", {}, time=local)
    assert envelope.time == local
    assert envelope.time.utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        new_envelope("user.created", "user", "u1", "c1", {}, time=datetime(2030, 1, 1))


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"not json",
        b'{"specversion":"1.0"}',
        # A future envelope version is refused, not misread.
        encode_envelope(new_envelope("user.created", "user", "u1", "c1", {})).replace(
            b'"specversion":"1.0"', b'"specversion":"2.0"'
        ),
        encode_envelope(new_envelope("user.created", "user", "u1", "c1", {}, id="not-a-uuid")),
    ],
)
def test_invalid_payloads_raise_envelope_decode_error(payload: bytes) -> None:
    with pytest.raises(EnvelopeDecodeError):
        decode_envelope(payload)


def test_new_envelope_carries_the_current_traceparent(span_exporter: InMemorySpanExporter) -> None:
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("POST /users") as span:
        envelope = new_envelope("user.created", "user", "u1", "c1", {})
    context = span.get_span_context()
    flags = int(context.trace_flags)
    assert envelope.traceparent == f"00-{context.trace_id:032x}-{context.span_id:016x}-{flags:02x}"
    assert new_envelope("user.created", "user", "u1", "c1", {}).traceparent is None


def test_envelope_is_frozen() -> None:
    envelope = new_envelope("user.created", "user", "u1", "c1", {})
    with pytest.raises(AttributeError):
        envelope.type = "user.deleted"  # type: ignore[misc]
    assert isinstance(envelope, Envelope)


def test_catalogue_has_every_stream_and_its_dead_letter_companion() -> None:
    names = {"user", "account", "course", "enrollment", "assignment", "submission", "grade",
             "note", "chat", "audit", "credential", "notification", "config"}  # fmt: skip
    assert {spec.name for spec in DOMAIN_TOPICS} == names
    assert set(CATALOGUE) == names | {f"{name}.dlq" for name in names}
    for name in names:
        assert CATALOGUE[name].partitions >= 1
        assert CATALOGUE[name].retention_ms > 0
        assert CATALOGUE[dlq_topic_name(name)].retention_ms >= CATALOGUE[name].retention_ms
    assert topic_name("user", "t1a2b3c4.") == "t1a2b3c4.user"
    assert topic_name("user") == "user"
