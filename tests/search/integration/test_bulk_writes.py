"""``ElasticsearchIndex.write_many`` against the real engine: one bulk request keeps the external
versioning of single writes, reaches an index being rebuilt, and reports what it refused."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import AsyncElasticsearch

from lms.search.adapters.elastic.client import build_client
from lms.search.adapters.elastic.index import ElasticsearchIndex
from lms.search.adapters.elastic.indices import IndexCatalogue
from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.adapters.elastic.rebuild import ElasticsearchRebuilder
from lms.search.application.errors import IndexWriteError
from lms.search.application.ports import RebuildProgress
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType, Document
from lms_platform.testing.elastic import NODE_CLASS_PATH


def course(doc_id: str, title: str, version: int = 1, **extra: Any) -> Document:
    return Document(
        doc_type=DocType.COURSE, id=doc_id, tenant_id="college-a", version=version,
        event_time=datetime.now(UTC),
        fields={"title": title, "code": doc_id, "status": "draft", **extra},
    )  # fmt: skip


@pytest.fixture
async def client(elasticsearch_url: str, index_prefix: str) -> AsyncIterator[AsyncElasticsearch]:
    settings = SearchSettings(
        elasticsearch_url=elasticsearch_url,
        elasticsearch_node_class=NODE_CLASS_PATH,
        index_prefix=index_prefix,
    )
    client = build_client(settings)
    yield client
    await client.close()


def catalogue_of(client: AsyncElasticsearch, index_prefix: str) -> IndexCatalogue:
    return IndexCatalogue(
        client, IndexNames(index_prefix), refresh_interval="1s", cache_seconds=0.2
    )


async def titles(client: AsyncElasticsearch, alias: str) -> dict[str, tuple[str, int]]:
    await client.indices.refresh(index=alias)
    found = await client.search(index=alias, query={"match_all": {}}, size=50)
    return {
        h["_id"]: (h["_source"]["title"], h["_source"]["version"]) for h in found["hits"]["hits"]
    }


async def test_a_bulk_write_keeps_the_highest_version_of_each_document(
    client: AsyncElasticsearch, index_prefix: str
) -> None:
    catalogue = catalogue_of(client, index_prefix)
    index = ElasticsearchIndex(catalogue)
    assert await index.write(course("c1", "Stored v3", 3))

    applied = await index.write_many(
        [
            course("c1", "Older v2", 2),  # stale: a replay
            course("c2", "New v1", 1),
            course("c2", "Newer v2", 2),  # the same document again, newer, in the same bulk
            course("c3", "Out of order v5", 5),
            course("c3", "Out of order v4", 4),
        ]
    )

    assert applied == [False, True, True, True, False]
    alias = catalogue.names.alias(DocType.COURSE)
    assert await titles(client, alias) == {
        "c1": ("Stored v3", 3),
        "c2": ("Newer v2", 2),
        "c3": ("Out of order v5", 5),
    }


async def test_a_document_the_engine_refuses_fails_the_bulk_by_name(
    client: AsyncElasticsearch, index_prefix: str
) -> None:
    index = ElasticsearchIndex(catalogue_of(client, index_prefix))
    with pytest.raises(IndexWriteError, match="c-bad"):
        # The mapping is strict: a field it does not declare is refused.
        await index.write_many(
            [course("c-good", "Good"), course("c-bad", "Bad", not_in_the_mapping="x")]
        )


async def test_bulk_writes_during_a_rebuild_reach_the_new_version(
    client: AsyncElasticsearch, index_prefix: str
) -> None:
    catalogue = catalogue_of(client, index_prefix)
    index = ElasticsearchIndex(catalogue)
    rebuilder = ElasticsearchRebuilder(catalogue, batch_size=1, settle_seconds=0.4)
    # Enough documents that the copy is still running when the late writes have finished.
    assert (
        await index.write_many([course(f"c{n}", f"Course {n}") for n in range(1, 13)])
        == [True] * 12
    )
    writes: list[asyncio.Task[list[bool]]] = []

    def during_copy(progress: RebuildProgress) -> None:
        if progress.phase == "copying" and progress.copied == 2:
            # Sorted before everything copied so far: the copy will never see these.
            late = [course("c0", "Late"), course("c1", "Renamed", 2)]
            writes.append(asyncio.create_task(index.write_many(late)))

    await rebuilder.rebuild(DocType.COURSE, during_copy)
    assert [await w for w in writes] == [[True, True]]
    assert await titles(client, catalogue.names.alias(DocType.COURSE)) == {
        "c0": ("Late", 1),
        "c1": ("Renamed", 2),
        **{f"c{n}": (f"Course {n}", 1) for n in range(2, 13)},
    }
