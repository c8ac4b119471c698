"""The parts of other services' events that search indexes, as this service reads them
(course: docs/services/course.md; user: docs/services/user.md; assignment: its
``domain/events.py``; note: docs/services/notes.md). Unknown fields are ignored, so producers
may add fields."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

COURSE_EVENT_TYPES = frozenset(
    {
        "course.created",
        "course.updated",
        "course.published",
        "course.concluded",
        "course.archived",
        "course.deleted",
    }
)
ASSIGNMENT_EVENT_TYPES = frozenset(
    {
        "assignment.created",
        "assignment.updated",
        "assignment.published",
        "assignment.deleted",
        "assignment.override_changed",
    }
)
USER_EVENT_TYPES = frozenset({"user.created", "user.updated", "user.deleted"})
NOTE_EVENT_TYPES = frozenset(
    {"note.created", "note.updated", "note.shared", "note.unshared", "note.deleted"}
)


class CourseSnapshot(msgspec.Struct, kw_only=True):
    id: str
    code: str
    title: str
    status: str
    owner_id: str
    version: int
    updated_at: datetime
    term_id: str | None = None
    start_date: str | None = None
    end_date: str | None = None


class CourseEvent(msgspec.Struct, kw_only=True):
    course: CourseSnapshot


class OverrideSnapshot(msgspec.Struct, kw_only=True):
    dates: dict[str, datetime | None] = {}


class AssignmentSnapshot(msgspec.Struct, kw_only=True):
    id: str
    course_id: str
    title: str
    status: str
    version: int
    updated_at: datetime
    section_ids: list[str] = []
    description: str | None = None
    unlock_at: datetime | None = None
    due_at: datetime | None = None
    lock_at: datetime | None = None
    points_possible: float | None = None
    grading_type: str | None = None
    submission_types: list[str] = []
    overrides: list[OverrideSnapshot] = []
    deleted_at: datetime | None = None


class AssignmentEvent(msgspec.Struct, kw_only=True):
    assignment: AssignmentSnapshot


class ProfileSnapshot(msgspec.Struct, kw_only=True):
    id: str
    email: str
    display_name: str
    status: str
    version: int
    updated_at: datetime
    roles: list[str] = []
    bio: str | None = None
    locale: str | None = None
    timezone: str | None = None
    avatar_url: str | None = None


class UserEvent(msgspec.Struct, kw_only=True):
    profile: ProfileSnapshot


class UserDeletedEvent(msgspec.Struct, kw_only=True):
    deleted_at: datetime


class NoteLinkData(msgspec.Struct, kw_only=True):
    kind: str
    id: str
    course_id: str | None = None


class NoteShareData(msgspec.Struct, kw_only=True):
    id: str
    kind: Literal["user", "section", "course"]
    target_id: str


class NoteSnapshotData(msgspec.Struct, kw_only=True):
    id: str
    owner_id: str
    title: str
    version: int
    created_at: datetime
    updated_at: datetime
    body: str = ""
    tags: list[str] = []
    link: NoteLinkData | None = None
    pinned: bool = False
    archived: bool = False
    shares: list[NoteShareData] = []


class NoteEvent(msgspec.Struct, kw_only=True):
    """``note.created`` and ``note.updated``."""

    note: NoteSnapshotData


class NoteShareEvent(msgspec.Struct, kw_only=True):
    """``note.shared`` and ``note.unshared``."""

    owner_id: str
    share: NoteShareData


class NoteDeletedEvent(msgspec.Struct, kw_only=True):
    owner_id: str
    version: int
