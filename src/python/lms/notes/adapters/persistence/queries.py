"""Reading notes outside a transaction: one note, and a page of what a viewer may see.

Visibility is one ``$in`` over the note's ``readers``: ``owner:<me>`` (mine), and ``user:<me>``
and my sections' and courses' targets (shared with me). A page is ordered by a sort key that
ends in the note id and continues after the last key (a keyset cursor), so notes added
meanwhile never shift a page, as offsets would. The default list (not archived, newest
first) is answered by ``ix_notes_list_updated`` alone; other filters are applied to the rows
that index yields. The text filter is a case-insensitive regular expression over title and
body: the test server has no text index (docs/mongodb.md).
"""

from __future__ import annotations

import re
from typing import Any, Literal
from uuid import UUID

from odmantic import AIOEngine
from odmantic.query import SortExpression

from lms.notes.adapters.persistence.documents import (
    NoteDocument,
    owner_reader,
    share_target,
    to_note,
)
from lms.notes.application.ports import Cursor, NoteFilter, NotePage, Scope, Sort
from lms.notes.domain.notes import Note, ShareKind, Viewer

SORT_KEYS: dict[Sort, tuple[str, Literal[-1, 1]]] = {
    Sort.UPDATED_DESC: ("k_updated", -1),
    Sort.UPDATED: ("k_updated", 1),
    Sort.CREATED_DESC: ("k_created", -1),
    Sort.CREATED: ("k_created", 1),
    Sort.TITLE: ("k_title", 1),
    Sort.TITLE_DESC: ("k_title", -1),
}


class MongoNoteQueries:
    def __init__(self, engine: AIOEngine) -> None:
        self._engine = engine

    async def get(self, tenant_id: str, note_id: UUID) -> Note | None:
        doc = await self._engine.find_one(NoteDocument, NoteDocument.id == str(note_id))
        return to_note(doc) if doc is not None and doc.tenant_id == tenant_id else None

    async def find(
        self, viewer: Viewer, where: NoteFilter, sort: Sort, after: Cursor | None, limit: int
    ) -> NotePage:
        key, direction = SORT_KEYS[sort]
        query = list_query(viewer, where)
        if after is not None:
            query[key] = {"$gt" if direction == 1 else "$lt": after.position}
        cursor = self._engine.find(
            NoteDocument,
            query,
            sort=SortExpression({key: -1 if direction < 0 else 1}),
            limit=limit + 1,  # one more tells whether a next page exists
        )
        docs = [doc async for doc in cursor]
        notes = [to_note(doc) for doc in docs[:limit]]
        next_cursor = None
        if len(docs) > limit:
            next_cursor = Cursor(sort=sort, position=getattr(docs[limit - 1], key))
        return NotePage(items=notes, next=next_cursor)


def readers_of(viewer: Viewer, scope: Scope) -> list[str]:
    mine = [owner_reader(viewer.user_id)]
    shared = [share_target(ShareKind.USER, viewer.user_id)]
    shared += [share_target(ShareKind.SECTION, s) for s in sorted(viewer.sections)]
    shared += [share_target(ShareKind.COURSE, c) for c in sorted(viewer.courses)]
    return {Scope.MINE: mine, Scope.SHARED: shared, Scope.ALL: mine + shared}[scope]


def list_query(viewer: Viewer, where: NoteFilter) -> dict[str, Any]:
    query: dict[str, Any] = {
        "tenant_id": viewer.tenant_id,
        "readers": {"$in": readers_of(viewer, where.scope)},
    }
    if where.archived is not None:
        query["archived"] = where.archived
    if where.scope is Scope.SHARED:
        query["owner_id"] = {"$ne": str(viewer.user_id)}  # a note shared back with its owner
    if where.tag is not None:
        query["tags"] = where.tag
    if where.course_id is not None:
        query["link_course_id"] = str(where.course_id)
    if where.linked_kind is not None:
        query["link_kind"] = where.linked_kind.value
    if where.linked_id is not None:
        query["link_id"] = str(where.linked_id)
    if where.pinned is not None:
        query["pinned"] = where.pinned
    if where.text is not None:
        pattern = {"$regex": re.escape(where.text.strip()), "$options": "i"}
        query["$or"] = [{"title": pattern}, {"body": pattern}]
    return query
