"""The ``notes`` collection as odmantic models, and their mapping to the domain.

One document per note with its shares embedded (a note has at most ``SHARES_MAX``), and
``readers`` beside them (``"owner:<id>"`` and each share's ``"user:<id>"``, ``"section:<id>"``,
``"course:<id>"``), so one multikey index answers mine, shared with me and both, with no
``$or``. ``k_updated``, ``k_created`` and ``k_title`` are the sort keys, each ending in the id:
one string comparison continues a page (a keyset cursor), which both MongoDB and the test
server answer from the index (docs/mongodb.md). The link is flat fields, not an optional
embedded model: odmantic cannot save an ``Optional[EmbeddedModel]``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from odmantic import EmbeddedModel, Field, Model

from lms.notes.domain.notes import (
    Anchor,
    Link,
    LinkKind,
    Note,
    NoteContent,
    Share,
    ShareAccess,
    ShareKind,
)


class ShareDocument(EmbeddedModel):
    id: str
    kind: str
    target_id: str
    permission: str
    created_at: datetime


class NoteDocument(Model):
    model_config = {"collection": "notes"}

    id: str = Field(primary_field=True)
    tenant_id: str
    owner_id: str
    title: str
    title_key: str  # the title lower-cased: the sort key of ``sort=title``
    body: str
    tags: list[str]
    link_kind: str | None = None
    link_id: str | None = None
    link_course_id: str | None = None
    anchor: dict[str, Any] | None = None
    pinned: bool = False
    archived: bool = False
    created_at: datetime
    updated_at: datetime
    version: int
    shares: list[ShareDocument] = Field(default_factory=list)
    readers: list[str] = Field(default_factory=list)
    k_updated: str
    k_created: str
    k_title: str


KEY_SEPARATOR = "\x01"  # sorts before any printable character: "a" + sep < "ab" + sep


def sort_key(value: datetime | str, note_id: UUID | str) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]  # fixed width
    return f"{value}{KEY_SEPARATOR}{note_id}"


def share_target(kind: ShareKind | str, target_id: UUID | str) -> str:
    return f"{ShareKind(kind).value}:{target_id}"


def owner_reader(owner_id: UUID | str) -> str:
    return f"owner:{owner_id}"


def share_documents(note: Note) -> tuple[list[ShareDocument], list[str]]:
    """The embedded shares, and the note's ``readers`` (its owner first)."""
    shares = [
        ShareDocument(id=str(s.id), kind=s.kind.value, target_id=str(s.target_id),
                      permission=s.permission.value, created_at=s.created_at)
        for s in note.shares
    ]  # fmt: skip
    targets = sorted({share_target(s.kind, s.target_id) for s in note.shares})
    return shares, [owner_reader(note.owner_id), *targets]


def to_document(note: Note) -> NoteDocument:
    content, link = note.content, note.content.link
    anchor = link.anchor if link else None
    shares, readers = share_documents(note)
    return NoteDocument(
        id=str(note.id), tenant_id=note.tenant_id, owner_id=str(note.owner_id),
        title=content.title, title_key=content.title.casefold(), body=content.body,
        tags=list(content.tags),
        link_kind=link.kind.value if link else None,
        link_id=str(link.id) if link else None,
        link_course_id=str(link.course_id) if link and link.course_id else None,
        anchor=None if anchor is None else {
            "quote": anchor.quote, "prefix": anchor.prefix, "suffix": anchor.suffix,
            "start": anchor.start, "end": anchor.end,
        },
        pinned=content.pinned, archived=content.archived,
        created_at=note.created_at, updated_at=note.updated_at, version=note.version,
        shares=shares, readers=readers,
        k_updated=sort_key(note.updated_at, note.id), k_created=sort_key(note.created_at, note.id),
        k_title=sort_key(content.title.casefold(), note.id),
    )  # fmt: skip


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def to_note(doc: NoteDocument) -> Note:
    link = None
    if doc.link_kind is not None and doc.link_id is not None:
        anchor = Anchor(**doc.anchor) if doc.anchor else None
        link = Link(
            kind=LinkKind(doc.link_kind), id=UUID(doc.link_id),
            course_id=UUID(doc.link_course_id) if doc.link_course_id else None, anchor=anchor,
        )  # fmt: skip
    content = NoteContent(
        title=doc.title, body=doc.body, tags=tuple(doc.tags), link=link,
        pinned=doc.pinned, archived=doc.archived,
    )  # fmt: skip
    shares = tuple(
        Share(id=UUID(s.id), kind=ShareKind(s.kind), target_id=UUID(s.target_id),
              permission=ShareAccess(s.permission), created_at=_utc(s.created_at))
        for s in doc.shares
    )  # fmt: skip
    return Note(
        id=UUID(doc.id), tenant_id=doc.tenant_id, owner_id=UUID(doc.owner_id), content=content,
        created_at=_utc(doc.created_at), updated_at=_utc(doc.updated_at), version=doc.version,
        shares=shares,
    )  # fmt: skip
