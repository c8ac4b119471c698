"""A note's search document, merged from the notes service's events.

Content (``note.created``/``note.updated`` snapshots) carries the note's version; shares do not
change that version and their events carry no snapshot (docs/services/notes.md). So a note's
document is a merge that gives the same result in any order and any number of times:

- the content of the highest note version seen wins;
- shares form a set of every share id seen, minus the revoked ids; a share id is never reused
  after its revocation (sharing again makes a new share), so a revocation is final;
- ``note.deleted`` is final (the notes service never revives a note).

The document's external version grows with every change of that state (``external_version``),
so the engine refuses a write that is not newer than what it stores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from lms.search.domain.documents import FINAL_VERSION, DocType, Document

# Share events per note below this; content versions up to 2^38 fit below FINAL_VERSION, so a
# tombstone (FINAL_VERSION plus the rest) still grows when a late snapshot or share arrives.
_SHARE_SLOTS = 2**24
CONTENT_FIELDS = (
    "title", "body", "tags", "link_kind", "link_id", "course_id", "section_id", "pinned",
    "archived", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class NoteShare:
    """Whom a share lets read the note: a user, a section or a course (any permission reads)."""

    id: str
    kind: str  # user | section | course
    target_id: str

    def encoded(self) -> str:
        return f"{self.id}:{self.kind}:{self.target_id}"

    @classmethod
    def decoded(cls, value: str) -> NoteShare:
        share_id, kind, target_id = value.split(":", 2)
        return cls(share_id, kind, target_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteSnapshot:
    """``note.created``/``note.updated``: the whole note at ``version``."""

    note_id: str
    tenant_id: str
    owner_id: str
    version: int
    time: datetime
    content: Mapping[str, Any]
    shares: tuple[NoteShare, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteShared:
    note_id: str
    tenant_id: str
    owner_id: str
    time: datetime
    share: NoteShare


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteUnshared:
    note_id: str
    tenant_id: str
    owner_id: str
    time: datetime
    share: NoteShare


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteRemoved:
    note_id: str
    tenant_id: str
    owner_id: str
    time: datetime


NoteChange = NoteSnapshot | NoteShared | NoteUnshared | NoteRemoved


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteState:
    """``content_version`` 0: no snapshot seen yet (a share event came first); such a note is
    found by nobody until its content arrives."""

    note_id: str
    tenant_id: str
    owner_id: str
    content_version: int = 0
    content: Mapping[str, Any] = field(default_factory=dict)
    shares: frozenset[NoteShare] = frozenset()
    revoked: frozenset[str] = frozenset()
    deleted: bool = False

    @property
    def external_version(self) -> int:
        merged_in = self.content_version * _SHARE_SLOTS + len(self.shares) + len(self.revoked)
        return FINAL_VERSION + merged_in if self.deleted else merged_in

    @property
    def live_shares(self) -> list[NoteShare]:
        return sorted(
            (s for s in self.shares if s.id not in self.revoked), key=lambda s: s.encoded()
        )

    def document(self, event_time: datetime) -> Document:
        live = self.live_shares
        fields: dict[str, Any] = {
            **{name: self.content.get(name) for name in CONTENT_FIELDS},
            "owner_id": self.owner_id,
            "shared": bool(live),
            "shared_user_ids": sorted({s.target_id for s in live if s.kind == "user"}),
            "shared_section_ids": sorted({s.target_id for s in live if s.kind == "section"}),
            "shared_course_ids": sorted({s.target_id for s in live if s.kind == "course"}),
            "has_content": self.content_version > 0,
            "content_version": self.content_version,
            "shares": sorted(s.encoded() for s in self.shares),
            "revoked_share_ids": sorted(self.revoked),
        }
        return Document(
            doc_type=DocType.NOTE,
            id=self.note_id,
            tenant_id=self.tenant_id,
            version=self.external_version,
            event_time=event_time,
            deleted=self.deleted,
            fields=fields,
        )


def note_state(document: Document) -> NoteState:
    """The state a stored note document was written from."""
    fields = document.fields
    return NoteState(
        note_id=document.id,
        tenant_id=document.tenant_id,
        owner_id=str(fields.get("owner_id") or ""),
        content_version=int(fields.get("content_version") or 0),
        content={name: fields.get(name) for name in CONTENT_FIELDS},
        shares=frozenset(NoteShare.decoded(v) for v in fields.get("shares") or ()),
        revoked=frozenset(fields.get("revoked_share_ids") or ()),
        deleted=document.deleted,
    )


def merged(state: NoteState | None, change: NoteChange) -> NoteState:
    """``state`` with ``change`` applied; the same whatever the order of the changes."""
    base = state or NoteState(
        note_id=change.note_id, tenant_id=change.tenant_id, owner_id=change.owner_id
    )
    match change:
        case NoteSnapshot():
            newer = change.version > base.content_version
            return replace(
                base,
                owner_id=change.owner_id if newer else base.owner_id,
                content_version=max(change.version, base.content_version),
                content=change.content if newer else base.content,
                shares=base.shares | set(change.shares),
            )
        case NoteShared():
            return replace(base, shares=base.shares | {change.share})
        case NoteUnshared():
            return replace(
                base, shares=base.shares | {change.share}, revoked=base.revoked | {change.share.id}
            )
        case NoteRemoved():
            return replace(base, deleted=True)
    raise TypeError(f"not a note change: {change!r}")
