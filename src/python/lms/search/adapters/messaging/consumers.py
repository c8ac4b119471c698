"""Indexing from Kafka: idempotent batch consumers per topic (one ``processed_messages`` insert
and one bulk write per fetched batch; per record: retries with backoff, then ``<topic>.dlq``),
and the platform's membership read model from ``enrollment``.

No ``from __future__ import annotations``: FastStream and dishka read the handlers' annotations.
"""

from typing import Any

from dishka_faststream import FromDishka
from elasticsearch import ConnectionError as SearchConnectionError
from elasticsearch import ConnectionTimeout
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage

from lms.search.adapters.messaging.documents import (
    assignment_document,
    course_document,
    note_share,
    note_snapshot,
    user_document,
    user_tombstone,
)
from lms.search.adapters.messaging.events import (
    ASSIGNMENT_EVENT_TYPES,
    COURSE_EVENT_TYPES,
    NOTE_EVENT_TYPES,
    USER_EVENT_TYPES,
    AssignmentEvent,
    CourseEvent,
    NoteDeletedEvent,
    NoteEvent,
    NoteShareEvent,
    UserDeletedEvent,
    UserEvent,
)
from lms.search.adapters.metrics import observe_consumer_lag
from lms.search.application.indexing import IndexDocuments
from lms.search.application.note_indexing import IndexNoteChanges
from lms.search.config import SearchSettings
from lms.search.domain.documents import Document
from lms.search.domain.notes import NoteChange, NoteRemoved, NoteShared, NoteUnshared
from lms_platform.membership import subscribe_memberships
from lms_platform.messaging import (
    Backoff,
    Envelope,
    EnvelopeDecodeError,
    RetryPolicy,
    envelope_batch_subscriber,
    is_infrastructure_error,
    topic_name,
)


def _engine_down(error: BaseException) -> bool:
    """The search engine unreachable says nothing about the message: redeliver, never DLQ."""
    return is_infrastructure_error(error) or isinstance(
        error, SearchConnectionError | ConnectionTimeout
    )


RETRY = RetryPolicy(
    max_attempts=5, backoff=Backoff(initial=0.2, maximum=5.0), redeliver_on=_engine_down
)


async def on_course_events(
    envelopes: list[Envelope],
    index: FromDishka[IndexDocuments],
    message: FromDishka[StreamMessage],
) -> None:
    """Index the course snapshots the events carry; ``course.deleted`` leaves a tombstone."""
    observe_consumer_lag(message)
    await index([_course(envelope) for envelope in envelopes])


async def on_assignment_events(
    envelopes: list[Envelope],
    index: FromDishka[IndexDocuments],
    message: FromDishka[StreamMessage],
) -> None:
    """Index the assignment snapshots; one with ``deleted_at`` becomes a tombstone."""
    observe_consumer_lag(message)
    await index([_assignment(envelope) for envelope in envelopes])


async def on_user_events(
    envelopes: list[Envelope],
    index: FromDishka[IndexDocuments],
    message: FromDishka[StreamMessage],
) -> None:
    """Index the profile snapshots; ``user.deleted`` leaves a final tombstone."""
    observe_consumer_lag(message)
    await index([_user(envelope) for envelope in envelopes])


async def on_note_events(
    envelopes: list[Envelope],
    index: FromDishka[IndexNoteChanges],
    message: FromDishka[StreamMessage],
) -> None:
    """Merge each note's events into its document (shares carry no version: domain/notes.py);
    ``note.deleted`` leaves a final tombstone."""
    observe_consumer_lag(message)
    await index([_note(envelope) for envelope in envelopes])


def _course(envelope: Envelope) -> Document:
    event = envelope.data_as(CourseEvent)
    deleted = envelope.type == "course.deleted"
    return course_document(envelope.required_tenant(), event.course, envelope.time, deleted=deleted)


def _assignment(envelope: Envelope) -> Document:
    event = envelope.data_as(AssignmentEvent)
    return assignment_document(envelope.required_tenant(), event.assignment, envelope.time)


def _user(envelope: Envelope) -> Document:
    tenant = envelope.required_tenant()
    if envelope.type == "user.deleted":
        envelope.data_as(UserDeletedEvent)
        return user_tombstone(tenant, envelope.subject, envelope.time)
    return user_document(tenant, envelope.data_as(UserEvent).profile, envelope.time)


def _note(envelope: Envelope) -> NoteChange:
    tenant, note_id, time = envelope.required_tenant(), envelope.subject, envelope.time
    if envelope.type in ("note.created", "note.updated"):
        snapshot = note_snapshot(tenant, envelope.data_as(NoteEvent).note, time)
        if snapshot.note_id != note_id:
            raise EnvelopeDecodeError(f"{envelope.id}: the note is not the envelope's subject")
        return snapshot
    if envelope.type == "note.deleted":
        owner = envelope.data_as(NoteDeletedEvent).owner_id
        return NoteRemoved(note_id=note_id, tenant_id=tenant, owner_id=owner, time=time)
    event = envelope.data_as(NoteShareEvent)
    kind = NoteShared if envelope.type == "note.shared" else NoteUnshared
    return kind(note_id=note_id, tenant_id=tenant, owner_id=event.owner_id, time=time,
                share=note_share(event.share))  # fmt: skip


def index_group(settings: SearchSettings, topic: str) -> str:
    return f"{settings.consumer_group_id}.{topic}-index"


def subscribe(broker: KafkaBroker, settings: SearchSettings) -> None:
    kafka_options: dict[str, Any] = {
        "session_timeout_ms": settings.consumer_session_timeout_ms,
        "heartbeat_interval_ms": max(settings.consumer_session_timeout_ms // 3, 100),
        "fetch_max_wait_ms": settings.consumer_fetch_max_wait_ms,
    }
    indexed: tuple[tuple[str, Any, frozenset[str]], ...] = (
        ("course", on_course_events, COURSE_EVENT_TYPES),
        ("assignment", on_assignment_events, ASSIGNMENT_EVENT_TYPES),
        ("user", on_user_events, USER_EVENT_TYPES),
        ("note", on_note_events, NOTE_EVENT_TYPES),
    )
    for topic, handler, types in indexed:
        # Each subscriber indexes what one fetch brought in one bulk request (a failing batch
        # is retried record by record, then the DLQ); several in one group share the topic's
        # partitions. A group per topic keeps a join on one topic from pausing the others
        # (Tansu: ~half the session timeout).
        for _ in range(settings.index_consumers_per_topic):
            envelope_batch_subscriber(
                broker,
                topic_name(topic, settings.kafka_topic_prefix),
                group_id=index_group(settings, topic),
                service=settings.service_name,
                consumer=f"{settings.service_name}.{topic}-index",
                retry=RETRY,
                event_types=types,
                max_records=settings.index_batch_size,
                **kafka_options,
            )(handler)
    subscribe_memberships(broker, settings)
