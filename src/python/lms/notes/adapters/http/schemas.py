"""Request and response bodies of the notes API. Unknown fields are rejected, not ignored; every
string and list has a bound."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from lms.notes.domain.notes import (
    BODY_MAX_BYTES,
    QUOTE_MAX_CHARS,
    SHARES_MAX,
    TAG_MAX_CHARS,
    TAG_PATTERN,
    TAGS_MAX,
    TITLE_MAX_CHARS,
    Anchor,
    Link,
    LinkKind,
    Note,
    NoteContent,
    Share,
    ShareAccess,
    ShareKind,
)
from lms_platform.http.openapi import documented

Title = Annotated[
    str, msgspec.Meta(min_length=1, max_length=TITLE_MAX_CHARS), documented(pattern=r"\S")
]
# In UTF-8 bytes the limit is BODY_MAX_BYTES (a 422 beyond); a character is at least one byte.
Body = Annotated[str, msgspec.Meta(max_length=BODY_MAX_BYTES)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=TAG_MAX_CHARS, pattern=TAG_PATTERN)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=TAGS_MAX)]
Quote = Annotated[str, msgspec.Meta(min_length=1, max_length=QUOTE_MAX_CHARS)]
Context = Annotated[str, msgspec.Meta(max_length=QUOTE_MAX_CHARS)]
Offset = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**31)]
LinkKindName = Literal["course", "section", "assignment", "content"]
ShareKindName = Literal["user", "section", "course"]
PermissionName = Literal["read", "edit"]


class _Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class AnchorBody(_Request):
    """A quoted range of the linked item; ``start``/``end`` (both or neither, start < end)."""

    quote: Quote
    prefix: Context = ""
    suffix: Context = ""
    start: Offset | None = None
    end: Offset | None = None

    def to_domain(self) -> Anchor:
        return Anchor(quote=self.quote, prefix=self.prefix, suffix=self.suffix,
                      start=self.start, end=self.end)  # fmt: skip


class LinkBody(_Request):
    kind: LinkKindName
    id: UUID
    course_id: UUID | None = None
    anchor: AnchorBody | None = None

    def to_domain(self) -> Link:
        return Link(kind=LinkKind(self.kind), id=self.id, course_id=self.course_id,
                    anchor=self.anchor.to_domain() if self.anchor else None)  # fmt: skip

    @classmethod
    def from_domain(cls, link: Link | None) -> LinkBody | None:
        if link is None:
            return None
        a = link.anchor
        anchor = None if a is None else AnchorBody(
            quote=a.quote, prefix=a.prefix, suffix=a.suffix, start=a.start, end=a.end
        )  # fmt: skip
        return cls(kind=link.kind.value, id=link.id, course_id=link.course_id, anchor=anchor)


class NoteBody(_Request):
    """A whole note as its author writes it (POST, and PUT with ``version``)."""

    title: Title
    body: Body = ""
    tags: Tags = msgspec.field(default_factory=list)
    link: LinkBody | None = None
    pinned: bool = False
    archived: bool = False

    def content(self) -> NoteContent:
        return NoteContent(
            title=self.title, body=self.body, tags=tuple(self.tags),
            link=self.link.to_domain() if self.link else None,
            pinned=self.pinned, archived=self.archived,
        )  # fmt: skip


class ReplaceNoteBody(NoteBody, kw_only=True):
    """PUT: the version the edit is based on, here or as ``If-Match`` (one of them)."""

    version: Version | None = None


class PatchNoteBody(_Request):
    """PATCH: only the fields present change; ``version`` as in PUT."""

    title: Title | UnsetType = UNSET
    body: Body | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    link: LinkBody | None | UnsetType = UNSET
    pinned: bool | UnsetType = UNSET
    archived: bool | UnsetType = UNSET
    version: Version | None = None

    def changes(self) -> dict[str, object]:
        found: dict[str, object] = {}
        for name in ("title", "body", "pinned", "archived"):
            if (value := getattr(self, name)) is not UNSET:
                found[name] = value
        if self.tags is not UNSET:
            found["tags"] = tuple(self.tags)
        if self.link is not UNSET:
            found["link"] = self.link.to_domain() if self.link else None
        return found


class ShareBody(_Request):
    """``read`` or ``edit`` for a user of your college; a section or course share is ``read``."""

    kind: ShareKindName
    target_id: UUID
    permission: PermissionName = "read"


class ShareResponse(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    target_id: UUID
    permission: str
    created_at: datetime

    @classmethod
    def from_domain(cls, share: Share) -> ShareResponse:
        return cls(id=share.id, kind=share.kind.value, target_id=share.target_id,
                   permission=share.permission.value, created_at=share.created_at)  # fmt: skip


class NoteResponse(msgspec.Struct, kw_only=True):
    id: UUID
    owner_id: UUID
    title: str
    body: str
    tags: list[str]
    link: LinkBody | None
    pinned: bool
    archived: bool
    created_at: datetime
    updated_at: datetime
    version: int
    shared: bool  # shared with anyone (the shares themselves are the owner's: /shares)

    @classmethod
    def from_domain(cls, note: Note) -> NoteResponse:
        c = note.content
        return cls(
            id=note.id, owner_id=note.owner_id, title=c.title, body=c.body, tags=list(c.tags),
            link=LinkBody.from_domain(c.link), pinned=c.pinned, archived=c.archived,
            created_at=note.created_at, updated_at=note.updated_at, version=note.version,
            shared=bool(note.shares),
        )  # fmt: skip


class NotePageResponse(msgspec.Struct, kw_only=True):
    items: list[NoteResponse]
    next_cursor: str | None  # pass as ``cursor`` for the next page; null on the last


class ShareListResponse(msgspec.Struct, kw_only=True):
    items: Annotated[list[ShareResponse], msgspec.Meta(max_length=SHARES_MAX)]


__all__ = ["ShareAccess", "ShareKind"]
