"""Reading notes: one note, and the pages of notes the caller can see."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from lms.notes.application.access import viewer_of
from lms.notes.application.errors import NoteNotFound
from lms.notes.application.ports import (
    Cursor,
    Memberships,
    NoteFilter,
    NotePage,
    NoteQueries,
    Sort,
)
from lms.notes.domain.notes import Note, normalise_tags
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.principal import Principal

MAX_PAGE = 100
TEXT_MAX_CHARS = 100


class GetNote:
    def __init__(self, queries: NoteQueries, memberships: Memberships) -> None:
        self._queries, self._memberships = queries, memberships

    async def __call__(self, principal: Principal, note_id: UUID) -> Note:
        viewer = await viewer_of(principal, self._memberships)
        note = await self._queries.get(viewer.tenant_id, note_id)
        if note is None or not note.can_read(viewer):
            raise NoteNotFound(note_id)
        return note


class ListNotes:
    def __init__(self, queries: NoteQueries, memberships: Memberships) -> None:
        self._queries, self._memberships = queries, memberships

    async def __call__(
        self,
        principal: Principal,
        where: NoteFilter,
        sort: Sort = Sort.UPDATED_DESC,
        after: Cursor | None = None,
        limit: int = 20,
    ) -> NotePage:
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if where.tag is not None:
            (tag,) = normalise_tags([where.tag])
            where = replace(where, tag=tag)
        if where.text is not None and not 1 <= len(where.text.strip()) <= TEXT_MAX_CHARS:
            raise InvalidInput(f"q must be 1 to {TEXT_MAX_CHARS} characters", field="q")
        if after is not None and after.sort is not sort:
            raise InvalidInput("the cursor belongs to another sort order", field="cursor")
        viewer = await viewer_of(principal, self._memberships)
        return await self._queries.find(viewer, where, sort, after, limit)
