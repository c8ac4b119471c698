"""The ``note.*`` events (topic ``note``, keyed by the note id, through the outbox)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from lms_platform.kernel.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class NoteEvent(DomainEvent):
    topic: ClassVar[str] = "note"


@dataclass(frozen=True, kw_only=True)
class NoteCreated(NoteEvent):
    event_type: ClassVar[str] = "note.created"
    note: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class NoteUpdated(NoteEvent):
    event_type: ClassVar[str] = "note.updated"
    changed_fields: list[str]
    note: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class NoteShared(NoteEvent):
    event_type: ClassVar[str] = "note.shared"
    owner_id: str
    share: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class NoteUnshared(NoteEvent):
    event_type: ClassVar[str] = "note.unshared"
    owner_id: str
    share: dict[str, Any]
    reason: str  # "revoked" by the owner, or "user_deleted"


@dataclass(frozen=True, kw_only=True)
class NoteDeleted(NoteEvent):
    event_type: ClassVar[str] = "note.deleted"
    owner_id: str
    version: int
    reason: str  # "deleted" by the owner, or "user_deleted"
