"""The use cases with small fakes of their ports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest

from lms.search.application.indexing import IndexDocument, IndexDocuments
from lms.search.application.ports import RebuildProgress, RebuildResult
from lms.search.application.reindexing import RebuildIndices
from lms.search.domain.documents import DocType, Document
from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.principal import Principal

NOW = datetime(2026, 9, 1, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


class VersionedIndex:
    def __init__(self) -> None:
        self.stored: dict[str, Document] = {}

    async def write(self, document: Document) -> bool:
        current = self.stored.get(document.id)
        if current is not None and current.version >= document.version:
            return False
        self.stored[document.id] = document
        return True

    async def write_many(self, documents: Sequence[Document]) -> list[bool]:
        return [await self.write(document) for document in documents]


class Lags:
    def __init__(self) -> None:
        self.seen: list[tuple[DocType, float]] = []

    def observe(self, doc_type: DocType, seconds: float) -> None:
        self.seen.append((doc_type, seconds))


def doc(version: int, title: str) -> Document:
    return Document(doc_type=DocType.COURSE, id="c1", tenant_id="a", version=version,
                    event_time=NOW - timedelta(seconds=0.25), fields={"title": title})  # fmt: skip


async def test_the_highest_version_wins_and_only_applied_writes_count_as_lag() -> None:
    index, lags = VersionedIndex(), Lags()
    use_case = IndexDocument(index, lags, FixedClock())  # type: ignore[arg-type]
    assert await use_case(doc(2, "new"))
    assert not await use_case(doc(1, "old"))
    assert not await use_case(doc(2, "again"))
    assert index.stored["c1"].fields["title"] == "new"
    assert lags.seen == [(DocType.COURSE, 0.25)]


async def test_a_batch_is_one_write_and_only_its_applied_documents_count_as_lag() -> None:
    index, lags = VersionedIndex(), Lags()
    use_case = IndexDocuments(index, lags, FixedClock())  # type: ignore[arg-type]
    assert await use_case([doc(2, "new"), doc(1, "old"), doc(3, "newest")]) == 2
    assert index.stored["c1"].fields["title"] == "newest"
    assert lags.seen == [(DocType.COURSE, 0.25), (DocType.COURSE, 0.25)]
    assert await use_case([]) == 0


class Rebuilder:
    def __init__(self) -> None:
        self.types: list[DocType] = []

    async def rebuild(
        self, doc_type: DocType, progress: Callable[[RebuildProgress], None]
    ) -> RebuildResult:
        self.types.append(doc_type)
        return RebuildResult(doc_type, "v1", "v2", 0)


@pytest.mark.parametrize("roles", [("college_admin",), ("instructor",), ()])
async def test_only_an_operator_rebuilds(roles: tuple[str, ...]) -> None:
    rebuilder = Rebuilder()
    with pytest.raises(PermissionDenied):
        await RebuildIndices(rebuilder)(Principal("u", "a", frozenset(roles)))
    assert rebuilder.types == []
    operator = Principal("u", "a", frozenset({"super_admin"}))
    assert len(await RebuildIndices(rebuilder)(operator, [DocType.USER, DocType.USER])) == 1
