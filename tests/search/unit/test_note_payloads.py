"""Search reads the notes service's events as that service writes them: its own domain events,
in the envelope its outbox stores (a drift in the payloads fails here, not in production)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from lms.notes.domain.events import NoteCreated, NoteDeleted, NoteShared, NoteUnshared
from lms.notes.domain.notes import Link, LinkKind, Note, NoteContent, Share, ShareAccess, ShareKind
from lms.notes.domain.snapshots import note_data, share_data
from lms.search.adapters.messaging.consumers import _note
from lms.search.domain import notes as search_notes
from lms_platform.kernel.events import DomainEvent
from lms_platform.messaging import decode_envelope, encode_envelope
from lms_platform.messaging.envelope import envelope_of

AT = datetime(2026, 9, 1, tzinfo=UTC)
SECTION, COURSE, FRIEND = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _round_trip(event: DomainEvent) -> search_notes.NoteChange:
    return _note(decode_envelope(encode_envelope(envelope_of(event, "notes"))))


def test_every_note_event_of_the_notes_service_becomes_a_change() -> None:
    share = Share(uuid.uuid4(), ShareKind.USER, FRIEND, ShareAccess.EDIT, AT)
    note = Note(
        id=uuid.uuid4(), tenant_id="a", owner_id=uuid.uuid4(),
        content=NoteContent(title="Week 1", body="Body", tags=("exam",),
                            link=Link(LinkKind.SECTION, SECTION, course_id=COURSE)),
        created_at=AT, updated_at=AT, version=2, shares=(share,),
    )  # fmt: skip
    base = {"aggregate_id": str(note.id), "tenant_id": "a"}
    created = _round_trip(NoteCreated(**base, note=note_data(note)))
    assert isinstance(created, search_notes.NoteSnapshot)
    assert created.version == 2 and created.owner_id == str(note.owner_id)
    assert created.shares == (search_notes.NoteShare(str(share.id), "user", str(FRIEND)),)
    assert created.content["section_id"] == str(SECTION)
    assert created.content["course_id"] == str(COURSE)
    assert created.content["tags"] == ["exam"]

    owner = str(note.owner_id)
    shared = _round_trip(NoteShared(**base, owner_id=owner, share=share_data(share)))
    revoked = _round_trip(
        NoteUnshared(**base, owner_id=owner, share=share_data(share), reason="revoked")
    )
    deleted = _round_trip(NoteDeleted(**base, owner_id=owner, version=2, reason="deleted"))
    assert isinstance(revoked, search_notes.NoteUnshared)
    assert isinstance(deleted, search_notes.NoteRemoved)
    merged = search_notes.merged
    state = merged(merged(merged(None, created), shared), revoked)
    fields = state.document(AT).fields
    assert fields["title"] == "Week 1" and fields["shared_user_ids"] == []
    assert merged(state, deleted).deleted
