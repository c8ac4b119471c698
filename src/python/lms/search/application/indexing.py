"""Indexing events' documents, one or a batch at a time: the highest version wins, so a
replayed, duplicated or out-of-order event changes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from lms.search.application.ports import LagRecorder, SearchIndex
from lms.search.domain.documents import Document
from lms_platform.kernel.ports import Clock


class IndexDocument:
    def __init__(self, index: SearchIndex, lag: LagRecorder, clock: Clock) -> None:
        self._index = index
        self._lag = lag
        self._clock = clock

    async def __call__(self, document: Document) -> bool:
        """True when stored, False when a newer (or the same) version was already there."""
        applied = await self._index.write(document)
        if applied:
            lag = (self._clock.now() - document.event_time).total_seconds()
            self._lag.observe(document.doc_type, max(lag, 0.0))
        return applied


class IndexDocuments:
    """A batch of documents in one write (one bulk request); the lag is recorded per document."""

    def __init__(self, index: SearchIndex, lag: LagRecorder, clock: Clock) -> None:
        self._index = index
        self._lag = lag
        self._clock = clock

    async def __call__(self, documents: Sequence[Document]) -> int:
        """How many were stored (the others were older than, or the same as, what is stored)."""
        if not documents:
            return 0
        applied = await self._index.write_many(documents)
        now = self._clock.now()
        for document, stored in zip(documents, applied, strict=True):
            if stored:
                self._lag.observe(
                    document.doc_type, max((now - document.event_time).total_seconds(), 0.0)
                )
        return sum(applied)
