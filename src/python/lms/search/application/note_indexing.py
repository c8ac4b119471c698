"""Indexing the notes service's events: each note's stored document merged with the batch's
changes (``domain/notes.py``), written only when that changes it. A refused write means another
writer got there first: the note is read and merged again, so neither write is lost."""

from __future__ import annotations

from collections.abc import Sequence

from lms.search.application.errors import IndexWriteError
from lms.search.application.ports import LagRecorder, SearchIndex
from lms.search.domain.documents import DocType, Document
from lms.search.domain.notes import NoteChange, NoteState, merged, note_state
from lms_platform.kernel.ports import Clock

MAX_ROUNDS = 3


class IndexNoteChanges:
    def __init__(self, index: SearchIndex, lag: LagRecorder, clock: Clock) -> None:
        self._index = index
        self._lag = lag
        self._clock = clock

    async def __call__(self, changes: Sequence[NoteChange]) -> int:
        """How many note documents were written."""
        pending = list(changes)
        written = 0
        for _ in range(MAX_ROUNDS):
            if not pending:
                return written
            documents = await self._merged(pending)
            applied = await self._index.write_many(documents) if documents else []
            now = self._clock.now()
            refused: set[str] = set()
            for document, stored in zip(documents, applied, strict=True):
                if stored:
                    written += 1
                    lag = (now - document.event_time).total_seconds()
                    self._lag.observe(DocType.NOTE, max(lag, 0.0))
                else:
                    refused.add(document.id)
            pending = [c for c in pending if c.note_id in refused]
        if pending:
            raise IndexWriteError(f"notes kept changing under this write: {sorted(refused)[:5]}")
        return written

    async def _merged(self, changes: Sequence[NoteChange]) -> list[Document]:
        """One document per note whose state the changes move past what is stored."""
        ids = list(dict.fromkeys(c.note_id for c in changes))
        stored = await self._index.read_many(DocType.NOTE, ids)
        states: dict[str, NoteState | None] = {
            i: note_state(stored[i]) if i in stored else None for i in ids
        }
        latest = {}
        for change in changes:
            states[change.note_id] = merged(states[change.note_id], change)
            latest[change.note_id] = change.time
        documents = []
        for note_id in ids:
            state = states[note_id]
            before = stored.get(note_id)
            if state is not None and (before is None or state.external_version > before.version):
                documents.append(state.document(latest[note_id]))
        return documents
