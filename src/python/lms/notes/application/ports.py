"""Ports: what the notes use cases need from the outside world, as Protocols the adapters
implement (the note store within a unit of work, the queries, the read models)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar
from uuid import UUID

from lms.notes.domain.notes import LinkKind, Note, Share, Viewer
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.membership import Membership

T = TypeVar("T")


class NotesUnitOfWork(Protocol):
    """Every read and write of one ``atomically`` call runs in one transaction, with the
    events it recorded; a body that loses a write conflict is run again from the start."""

    async def atomically(self, work: Callable[[], Awaitable[T]]) -> T: ...

    def record(self, event: DomainEvent) -> None: ...

    async def get(self, tenant_id: str, note_id: UUID) -> Note | None: ...

    async def add(self, note: Note) -> None: ...

    async def replace(self, note: Note, expected_version: int) -> bool:
        """Store ``note`` if the stored one still has ``expected_version``; False otherwise."""
        ...

    async def save_shares(self, note: Note) -> None: ...

    async def delete(self, note: Note) -> None: ...

    async def owned_by(self, tenant_id: str, user_id: UUID) -> Sequence[Note]: ...

    async def shared_with_user(self, tenant_id: str, user_id: UUID) -> Sequence[Note]: ...


class Scope(StrEnum):
    MINE = "mine"
    SHARED = "shared"
    ALL = "all"


class Sort(StrEnum):
    UPDATED_DESC = "-updated_at"
    UPDATED = "updated_at"
    CREATED_DESC = "-created_at"
    CREATED = "created_at"
    TITLE = "title"
    TITLE_DESC = "-title"


@dataclass(frozen=True, slots=True)
class NoteFilter:
    scope: Scope = Scope.ALL
    tag: str | None = None
    course_id: UUID | None = None
    linked_kind: LinkKind | None = None
    linked_id: UUID | None = None
    text: str | None = None
    pinned: bool | None = None
    archived: bool | None = False


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended, in one sort order: the position (the store's sort key) of its last
    note. Opaque to the callers; it belongs to ``sort`` only."""

    sort: Sort
    position: str


@dataclass(frozen=True, slots=True)
class NotePage:
    items: Sequence[Note]
    next: Cursor | None


class NoteQueries(Protocol):
    async def get(self, tenant_id: str, note_id: UUID) -> Note | None: ...

    async def find(
        self, viewer: Viewer, where: NoteFilter, sort: Sort, after: Cursor | None, limit: int
    ) -> NotePage:
        """The notes ``viewer`` can see that match ``where``, ordered by ``sort`` then id."""
        ...


class Memberships(Protocol):
    async def of_user(self, tenant_id: str, user_id: UUID) -> Sequence[Membership]: ...


class UserDirectory(Protocol):
    """The users of each college, from ``user.*`` events."""

    async def exists(self, tenant_id: str, user_id: UUID) -> bool: ...


__all__ = [
    "Cursor",
    "Memberships",
    "NoteFilter",
    "NotePage",
    "NoteQueries",
    "NotesUnitOfWork",
    "Scope",
    "Share",
    "Sort",
    "UserDirectory",
]
