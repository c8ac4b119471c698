"""Event payloads -> the documents the index stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lms.search.adapters.messaging.events import (
    AssignmentSnapshot,
    CourseSnapshot,
    NoteShareData,
    NoteSnapshotData,
    ProfileSnapshot,
)
from lms.search.domain.documents import FINAL_VERSION, DocType, Document, latest_unlock
from lms.search.domain.notes import NoteShare, NoteSnapshot

# "Always visible" for the range filter on visible_from: a date every engine stores.
_EPOCH = "1970-01-01T00:00:00+00:00"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def course_document(
    tenant: str, course: CourseSnapshot, time: datetime, *, deleted: bool
) -> Document:
    fields: dict[str, Any] = {
        "code": course.code,
        "title": course.title,
        "status": course.status,
        "owner_id": course.owner_id,
        "term_id": course.term_id,
        "start_date": course.start_date,
        "end_date": course.end_date,
        "updated_at": course.updated_at.isoformat(),
    }
    return Document(
        doc_type=DocType.COURSE,
        id=course.id,
        tenant_id=tenant,
        version=course.version,
        event_time=time,
        deleted=deleted,
        fields=fields,
    )


def assignment_document(tenant: str, assignment: AssignmentSnapshot, time: datetime) -> Document:
    unlock = latest_unlock(
        assignment.unlock_at, [o.dates.get("unlock_at") for o in assignment.overrides]
    )
    fields: dict[str, Any] = {
        "title": assignment.title,
        "description": assignment.description,
        "course_id": assignment.course_id,
        "section_ids": assignment.section_ids,
        "all_sections": not assignment.section_ids,
        "status": assignment.status,
        "visible_from": _iso(unlock) or _EPOCH,
        "due_at": _iso(assignment.due_at),
        "lock_at": _iso(assignment.lock_at),
        "points_possible": assignment.points_possible,
        "grading_type": assignment.grading_type,
        "submission_types": assignment.submission_types,
        "updated_at": assignment.updated_at.isoformat(),
    }
    return Document(
        doc_type=DocType.ASSIGNMENT,
        id=assignment.id,
        tenant_id=tenant,
        version=assignment.version,
        event_time=time,
        deleted=assignment.deleted_at is not None,
        fields=fields,
    )


def user_document(tenant: str, profile: ProfileSnapshot, time: datetime) -> Document:
    fields: dict[str, Any] = {
        "display_name": profile.display_name,
        "email": profile.email,
        "bio": profile.bio,
        "roles": profile.roles,
        "status": profile.status,
        "locale": profile.locale,
        "timezone": profile.timezone,
        "avatar_url": profile.avatar_url,
        "updated_at": profile.updated_at.isoformat(),
    }
    return Document(
        doc_type=DocType.USER,
        id=profile.id,
        tenant_id=tenant,
        version=profile.version,
        event_time=time,
        deleted=profile.status == "deleted",
        fields=fields,
    )


def user_tombstone(tenant: str, user_id: str, time: datetime) -> Document:
    """``user.deleted`` carries no version, and a deletion is final: the highest version."""
    return Document(
        doc_type=DocType.USER,
        id=user_id,
        tenant_id=tenant,
        version=FINAL_VERSION,
        event_time=time,
        deleted=True,
    )


def note_share(share: NoteShareData) -> NoteShare:
    return NoteShare(id=share.id, kind=share.kind, target_id=share.target_id)


def note_snapshot(tenant: str, note: NoteSnapshotData, time: datetime) -> NoteSnapshot:
    link = note.link
    content: dict[str, Any] = {
        "title": note.title,
        "body": note.body,
        "tags": note.tags,
        "link_kind": link.kind if link else None,
        "link_id": link.id if link else None,
        "course_id": link.course_id if link else None,
        "section_id": link.id if link and link.kind == "section" else None,
        "pinned": note.pinned,
        "archived": note.archived,
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
    }
    return NoteSnapshot(
        note_id=note.id,
        tenant_id=tenant,
        owner_id=note.owner_id,
        version=note.version,
        time=time,
        content=content,
        shares=tuple(note_share(s) for s in note.shares),
    )
