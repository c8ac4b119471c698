"""The note's own rules: limits, tags, anchors, who may read and edit, what an edit changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from lms.notes.domain.notes import (
    BODY_MAX_BYTES,
    Anchor,
    Link,
    LinkKind,
    Note,
    NoteContent,
    Share,
    ShareAccess,
    ShareKind,
    Viewer,
)
from lms_platform.kernel.errors import InvalidInput

NOW = datetime(2026, 12, 1, tzinfo=UTC)
OWNER, FRIEND, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
SECTION, COURSE = uuid.uuid4(), uuid.uuid4()


def a_note(*shares: Share) -> Note:
    return Note(id=uuid.uuid4(), tenant_id="c1", owner_id=OWNER, content=NoteContent(title="t"),
                created_at=NOW, updated_at=NOW, shares=shares)  # fmt: skip


def share(kind: ShareKind, target: uuid.UUID, permission: ShareAccess = ShareAccess.READ) -> Share:
    return Share(uuid.uuid4(), kind, target, permission, NOW)


def test_content_is_checked_and_normalised() -> None:
    content = NoteContent(title="  Week 1 ", tags=("Calc", "calc", "exam"))
    assert (content.title, content.tags) == ("Week 1", ("calc", "exam"))
    with pytest.raises(InvalidInput):
        NoteContent(title="   ")
    with pytest.raises(InvalidInput):
        NoteContent(title="t", body="€" * (BODY_MAX_BYTES // 3 + 1))  # 3 bytes each
    NoteContent(title="t", body="x" * BODY_MAX_BYTES)  # exactly the limit
    with pytest.raises(InvalidInput):
        NoteContent(title="t", tags=("two words",))
    with pytest.raises(InvalidInput):
        NoteContent(title="t", tags=tuple(f"t{i}" for i in range(21)))


def test_anchors_and_links() -> None:
    with pytest.raises(InvalidInput):
        Anchor(quote="q", start=5, end=5)
    with pytest.raises(InvalidInput):
        Anchor(quote="q", start=1)
    with pytest.raises(InvalidInput):
        Anchor(quote="")
    assert Link(kind=LinkKind.COURSE, id=COURSE).course_id == COURSE  # a course is its own
    with pytest.raises(InvalidInput):
        Link(kind=LinkKind.COURSE, id=COURSE, course_id=uuid.uuid4())


def test_who_reads_and_who_edits() -> None:
    note = a_note(
        share(ShareKind.USER, FRIEND, ShareAccess.EDIT), share(ShareKind.SECTION, SECTION)
    )
    owner, friend = Viewer(OWNER, "c1"), Viewer(FRIEND, "c1")
    classmate, stranger = Viewer(OTHER, "c1", sections=frozenset({SECTION})), Viewer(OTHER, "c1")
    assert note.can_read(owner) and note.can_edit(owner)
    assert note.can_read(friend) and note.can_edit(friend)
    assert note.can_read(classmate) and not note.can_edit(classmate)
    assert not note.can_read(stranger)
    # The same ids in another college: nothing.
    assert not note.can_read(Viewer(OWNER, "c2")) and not note.can_edit(Viewer(FRIEND, "c2"))
    assert not note.can_read(Viewer(OTHER, "c2", sections=frozenset({SECTION})))
    with pytest.raises(InvalidInput):
        share(ShareKind.COURSE, COURSE, ShareAccess.EDIT)  # section and course shares read only


def test_an_edit_bumps_the_version_only_when_something_changed() -> None:
    note = a_note()
    same, changed = note.edited(NoteContent(title="t"), NOW + timedelta(seconds=1))
    assert (same, changed) == (note, [])
    edited, changed = note.edited(note.patched({"body": "new", "pinned": True}), NOW + timedelta(1))
    assert (edited.version, changed, edited.updated_at) == (
        2,
        ["body", "pinned"],
        NOW + timedelta(1),
    )
    with pytest.raises(InvalidInput):
        note.patched({"owner_id": OTHER})
