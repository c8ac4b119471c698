"""The plain data an event carries about a note or a share (JSON-ready, no body limits lost)."""

from __future__ import annotations

from typing import Any

from lms.notes.domain.notes import Link, Note, Share


def link_data(link: Link | None) -> dict[str, Any] | None:
    if link is None:
        return None
    anchor = link.anchor
    return {
        "kind": link.kind.value,
        "id": str(link.id),
        "course_id": str(link.course_id) if link.course_id else None,
        "anchor": None if anchor is None else {
            "quote": anchor.quote, "prefix": anchor.prefix, "suffix": anchor.suffix,
            "start": anchor.start, "end": anchor.end,
        },
    }  # fmt: skip


def share_data(share: Share) -> dict[str, Any]:
    return {
        "id": str(share.id),
        "kind": share.kind.value,
        "target_id": str(share.target_id),
        "permission": share.permission.value,
        "created_at": share.created_at.isoformat(),
    }


def note_data(note: Note) -> dict[str, Any]:
    content = note.content
    return {
        "id": str(note.id),
        "owner_id": str(note.owner_id),
        "title": content.title,
        "body": content.body,
        "tags": list(content.tags),
        "link": link_data(content.link),
        "pinned": content.pinned,
        "archived": content.archived,
        "version": note.version,
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
        "shares": [share_data(share) for share in note.shares],
    }
