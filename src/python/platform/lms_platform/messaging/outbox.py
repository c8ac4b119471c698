"""The transactional outbox writer: an event is stored in the same transaction as the state
change that caused it, so either both happen or neither does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.messaging.envelope import Envelope, encode_envelope
from lms_platform.messaging.headers import TRACEPARENT, cloudevent_headers
from lms_platform.messaging.models import OutboxMessage
from lms_platform.messaging.topics import topic_name

__all__ = ["DEFAULT_NOTIFY_CHANNEL", "OutboxRecord", "OutboxWriter", "outbox_record"]

# The relay LISTENs here; NOTIFY is transactional, so it only fires when the write commits.
DEFAULT_NOTIFY_CHANNEL = "lms_outbox"

_NOTIFIED_TRANSACTION = "lms_outbox_notified_transaction"


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """What any outbox stores for one event: the physical topic, the key, the Kafka headers
    and the exact bytes the relay will publish."""

    event_id: uuid.UUID
    event_type: str
    topic: str
    key: str
    headers: dict[str, str]
    payload: bytes


def outbox_record(
    envelope: Envelope,
    topic: str,
    key: str | None = None,
    *,
    namespace: str = "",
    headers: Mapping[str, str] | None = None,
    max_payload_bytes: int = 900_000,
) -> OutboxRecord:
    """The record of ``envelope`` for ``topic`` (a catalogue name), checked before it is
    stored: an event the broker would refuse must fail its use case, not block the relay."""
    try:
        event_id = uuid.UUID(envelope.id)
    except ValueError as exc:
        raise ValueError(f"envelope id {envelope.id!r} is not a UUID") from exc
    payload = encode_envelope(envelope)
    if len(payload) > max_payload_bytes:
        raise ValueError(
            f"event {envelope.type} ({len(payload)} bytes) exceeds {max_payload_bytes}"
        )
    record_headers = {**(headers or {}), **cloudevent_headers(envelope)}
    if envelope.traceparent:
        # The relay makes its publish span a child of this and replaces it with its own.
        record_headers[TRACEPARENT] = envelope.traceparent
    return OutboxRecord(
        event_id=event_id,
        event_type=envelope.type,
        topic=topic_name(topic, namespace),
        key=envelope.subject if key is None else key,
        headers=record_headers,
        payload=payload,
    )


class OutboxWriter:
    """Adds events to the caller's session. It never flushes or commits: the caller's unit of
    work commits the event together with the state change.

    Add events after the aggregate's own change in the transaction (as a unit of work does at
    commit): the row lock on the aggregate then orders concurrent writers, so outbox ids, which
    are the publication order, follow the order of the changes to one aggregate.
    """

    def __init__(
        self,
        *,
        namespace: str = "",
        notify_channel: str | None = DEFAULT_NOTIFY_CHANNEL,
        max_payload_bytes: int = 900_000,
    ) -> None:
        """``max_payload_bytes`` stays under the broker's default 1 MiB message limit: an event
        the broker would refuse must fail its use case now, not block the relay later."""
        self._namespace = namespace
        self._notify_channel = notify_channel
        self._max_payload_bytes = max_payload_bytes

    async def add(
        self,
        session: AsyncSession,
        envelope: Envelope,
        topic: str,
        key: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Stage ``envelope`` for ``topic`` (a catalogue name; the namespace is added here),
        keyed by ``key`` (default: the envelope's subject, i.e. the aggregate id)."""
        record = outbox_record(
            envelope,
            topic,
            key,
            namespace=self._namespace,
            headers=headers,
            max_payload_bytes=self._max_payload_bytes,
        )
        session.add(
            OutboxMessage(
                event_id=record.event_id,
                event_type=record.event_type,
                topic=record.topic,
                key=record.key,
                headers=record.headers,
                payload=record.payload,
            )
        )
        await self._notify_once_per_transaction(session)

    async def _notify_once_per_transaction(self, session: AsyncSession) -> None:
        if self._notify_channel is None:
            return
        transaction = session.sync_session.get_transaction()
        if transaction is not None and session.info.get(_NOTIFIED_TRANSACTION) is transaction:
            return
        await session.execute(select(func.pg_notify(self._notify_channel, "")))
        # execute() began the transaction if there was none; remember that one.
        session.info[_NOTIFIED_TRANSACTION] = session.sync_session.get_transaction()
