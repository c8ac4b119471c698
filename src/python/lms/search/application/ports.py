"""Ports: what the search use cases need from the outside world. The memberships come from
the platform's read model (``lms_platform.kernel.membership.MembershipReader``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lms.search.domain.documents import DocType, Document
from lms.search.domain.filters import Filter
from lms.search.domain.query import SearchQuery


@dataclass(frozen=True, slots=True)
class Hit:
    doc_type: DocType
    id: str
    score: float | None
    source: Mapping[str, Any]
    highlight: Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class FacetBucket:
    value: str
    count: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """``total`` counts every visible match; ``after`` continues after this page (None: last)."""

    total: int
    hits: Sequence[Hit]
    facets: Mapping[DocType, Mapping[str, Sequence[FacetBucket]]] = field(default_factory=dict)
    after: tuple[Any, ...] | None = None


@dataclass(frozen=True, slots=True)
class RebuildProgress:
    doc_type: DocType
    phase: str  # created | copying | swapped | done
    target: str
    copied: int = 0
    total: int = 0


@dataclass(frozen=True, slots=True)
class RebuildResult:
    doc_type: DocType
    previous: str | None
    current: str
    copied: int


class SearchIndex(Protocol):
    async def write(self, document: Document) -> bool:
        """Store ``document`` unless a version at least as new is stored; False when stale."""
        ...

    async def write_many(self, documents: Sequence[Document]) -> list[bool]:
        """``write`` for each document, in one request where the engine allows; the flags in
        order. Raises ``IndexWriteError`` if the engine refused any for another reason than
        staleness (the others may be stored: writing them again changes nothing)."""
        ...

    async def read_many(self, doc_type: DocType, ids: Sequence[str]) -> Mapping[str, Document]:
        """The stored documents of ``ids`` (tombstones too) as of the last write, not the last
        refresh; ids never written are absent."""
        ...

    async def search(self, query: SearchQuery, visibility: Filter) -> SearchPage: ...


class IndexRebuilder(Protocol):
    async def rebuild(
        self, doc_type: DocType, progress: Callable[[RebuildProgress], None]
    ) -> RebuildResult:
        """Build a new version of ``doc_type``'s index beside the live one and swap the alias
        to it atomically; writes meanwhile reach both."""
        ...


class LagRecorder(Protocol):
    def observe(self, doc_type: DocType, seconds: float) -> None:
        """Index time minus event time, for one applied event."""
        ...
