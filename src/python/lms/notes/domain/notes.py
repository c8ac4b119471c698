"""A note: title, Markdown body, tags, an optional link to course content with an anchor, flags,
timestamps and a version; and the shares that let others read or edit it.

The rules that need no I/O live here: the limits, who may read, edit and share, what an edit
changes. Access that depends on section membership gets the caller's memberships as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from lms_platform.kernel.errors import InvalidInput

TITLE_MAX_CHARS = 200
BODY_MAX_BYTES = 64 * 1024
TAGS_MAX = 20
TAG_MAX_CHARS = 40
QUOTE_MAX_CHARS = 2000
SHARES_MAX = 100
TAG_PATTERN = r"^[\w][\w\-.]*$"
_TAG = re.compile(TAG_PATTERN)


class LinkKind(StrEnum):
    COURSE = "course"
    SECTION = "section"
    ASSIGNMENT = "assignment"
    CONTENT = "content"


class ShareKind(StrEnum):
    USER = "user"
    SECTION = "section"
    COURSE = "course"


class ShareAccess(StrEnum):
    READ = "read"
    EDIT = "edit"


@dataclass(frozen=True, slots=True)
class Anchor:
    """A quoted range inside the linked item (as a W3C TextQuoteSelector, plus offsets)."""

    quote: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None
    end: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.quote) <= QUOTE_MAX_CHARS:
            raise InvalidInput(f"the anchor's quote must be 1 to {QUOTE_MAX_CHARS} characters",
                               field="link.anchor.quote")  # fmt: skip
        if len(self.prefix) > QUOTE_MAX_CHARS or len(self.suffix) > QUOTE_MAX_CHARS:
            raise InvalidInput("the anchor's prefix and suffix are too long", field="link.anchor")
        if (self.start is None) != (self.end is None):
            raise InvalidInput("an anchor has both start and end, or neither", field="link.anchor")
        if self.start is not None and self.end is not None and not 0 <= self.start < self.end:
            raise InvalidInput("an anchor's start must be before its end", field="link.anchor")


@dataclass(frozen=True, slots=True)
class Link:
    kind: LinkKind
    id: UUID
    course_id: UUID | None = None  # the course the item belongs to, to filter by course
    anchor: Anchor | None = None

    def __post_init__(self) -> None:
        if self.kind is LinkKind.COURSE:
            if self.course_id not in (None, self.id):
                raise InvalidInput("a course link is its own course", field="link.course_id")
            object.__setattr__(self, "course_id", self.id)


@dataclass(frozen=True, slots=True)
class Share:
    id: UUID
    kind: ShareKind
    target_id: UUID
    permission: ShareAccess
    created_at: datetime

    def __post_init__(self) -> None:
        if self.kind is not ShareKind.USER and self.permission is not ShareAccess.READ:
            raise InvalidInput("a section or course share is read only", field="permission")


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks, with what the membership read model says about them."""

    user_id: UUID
    tenant_id: str
    sections: frozenset[UUID] = frozenset()  # active memberships
    courses: frozenset[UUID] = frozenset()


@dataclass(frozen=True, slots=True)
class NoteContent:
    """What an author writes; checked on construction."""

    title: str
    body: str = ""
    tags: tuple[str, ...] = ()
    link: Link | None = None
    pinned: bool = False
    archived: bool = False

    def __post_init__(self) -> None:
        title = self.title.strip()
        if not 1 <= len(title) <= TITLE_MAX_CHARS:
            raise InvalidInput(
                f"the title must be 1 to {TITLE_MAX_CHARS} characters", field="title"
            )
        if len(self.body.encode()) > BODY_MAX_BYTES:
            raise InvalidInput(f"the body exceeds {BODY_MAX_BYTES} bytes", field="body")
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "tags", normalise_tags(self.tags))


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, stripped, each once, in the order given."""
    seen: dict[str, None] = {}
    for raw in tags:
        tag = raw.strip().lower()
        if not 1 <= len(tag) <= TAG_MAX_CHARS or not _TAG.match(tag):
            raise InvalidInput(
                f"a tag is 1 to {TAG_MAX_CHARS} letters, digits, '_', '-' or '.'", field="tags"
            )
        seen[tag] = None
    if len(seen) > TAGS_MAX:
        raise InvalidInput(f"at most {TAGS_MAX} tags", field="tags")
    return tuple(seen)


EDITABLE_FIELDS = ("title", "body", "tags", "link", "pinned", "archived")


@dataclass(frozen=True, slots=True)
class Note:
    id: UUID
    tenant_id: str
    owner_id: UUID
    content: NoteContent
    created_at: datetime
    updated_at: datetime
    version: int = 1
    shares: tuple[Share, ...] = field(default=())

    # --- access --------------------------------------------------------------------------------

    def is_owned_by(self, viewer: Viewer) -> bool:
        return viewer.tenant_id == self.tenant_id and viewer.user_id == self.owner_id

    def can_read(self, viewer: Viewer) -> bool:
        if viewer.tenant_id != self.tenant_id:
            return False
        return self.is_owned_by(viewer) or any(_grants(s, viewer) for s in self.shares)

    def can_edit(self, viewer: Viewer) -> bool:
        if self.is_owned_by(viewer):
            return True
        return viewer.tenant_id == self.tenant_id and any(
            s.kind is ShareKind.USER and s.target_id == viewer.user_id
            and s.permission is ShareAccess.EDIT
            for s in self.shares
        )  # fmt: skip

    # --- changes -------------------------------------------------------------------------------

    def edited(self, content: NoteContent, at: datetime) -> tuple[Note, list[str]]:
        """The note with ``content`` and the next version, and the fields that changed."""
        changed = [
            name for name in EDITABLE_FIELDS
            if getattr(content, name) != getattr(self.content, name)
        ]  # fmt: skip
        if not changed:
            return self, []
        return replace(self, content=content, updated_at=at, version=self.version + 1), changed

    def patched(self, changes: Mapping[str, Any]) -> NoteContent:
        """The content with ``changes`` (field name → new value) applied, checked again."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise InvalidInput(f"not editable: {', '.join(sorted(unknown))}")
        return replace(self.content, **changes)

    def share_like(self, kind: ShareKind, target_id: UUID) -> Share | None:
        return next((s for s in self.shares if s.kind is kind and s.target_id == target_id), None)

    def share(self, share_id: UUID) -> Share | None:
        return next((s for s in self.shares if s.id == share_id), None)


def _grants(share: Share, viewer: Viewer) -> bool:
    if share.kind is ShareKind.USER:
        return share.target_id == viewer.user_id
    if share.kind is ShareKind.SECTION:
        return share.target_id in viewer.sections
    return share.target_id in viewer.courses
