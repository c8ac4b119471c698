"""The rebuild's one hard case, against the real engine: a write that lands after the copy
has passed its position, before the swap, survives only because writes reach both versions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from lms.search.adapters.elastic.client import build_client
from lms.search.adapters.elastic.index import ElasticsearchIndex
from lms.search.adapters.elastic.indices import IndexCatalogue
from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.adapters.elastic.rebuild import ElasticsearchRebuilder
from lms.search.application.ports import RebuildProgress
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType, Document
from lms_platform.testing.elastic import NODE_CLASS_PATH


def course(doc_id: str, title: str, version: int = 1) -> Document:
    return Document(
        doc_type=DocType.COURSE, id=doc_id, tenant_id="college-a", version=version,
        event_time=datetime.now(UTC), fields={"title": title, "code": doc_id, "status": "draft"},
    )  # fmt: skip


async def test_writes_during_the_copy_reach_the_new_version(
    elasticsearch_url: str, index_prefix: str
) -> None:
    settings = SearchSettings(
        elasticsearch_url=elasticsearch_url,
        elasticsearch_node_class=NODE_CLASS_PATH,
        index_prefix=index_prefix,
    )
    client = build_client(settings)
    names = IndexNames(index_prefix)
    catalogue = IndexCatalogue(client, names, refresh_interval="1s", cache_seconds=0.2)
    index = ElasticsearchIndex(catalogue)
    rebuilder = ElasticsearchRebuilder(catalogue, batch_size=1, settle_seconds=0.4)
    try:
        for n in range(1, 4):
            assert await index.write(course(f"c{n}", f"Course {n}"))
        writes: list[asyncio.Task[bool]] = []

        def during_copy(progress: RebuildProgress) -> None:
            if progress.phase == "copying" and progress.copied == 2:
                # Sorted before everything copied so far: the copy will never see these.
                writes.append(asyncio.create_task(index.write(course("c0", "Late"))))
                writes.append(asyncio.create_task(index.write(course("c1", "Renamed", 2))))

        result = await rebuilder.rebuild(DocType.COURSE, during_copy)
        assert [await w for w in writes] == [True, True]
        assert result.previous == names.version(DocType.COURSE, 1)
        assert result.current == names.version(DocType.COURSE, 2)

        alias = names.alias(DocType.COURSE)
        assert list(await client.indices.get_alias(name=alias)) == [result.current]
        await client.indices.refresh(index=alias)
        found = await client.search(index=alias, query={"match_all": {}}, size=10)
        titles = {h["_id"]: h["_source"]["title"] for h in found["hits"]["hits"]}
        assert titles == {"c0": "Late", "c1": "Renamed", "c2": "Course 2", "c3": "Course 3"}
        assert not await client.indices.exists(index=names.version(DocType.COURSE, 1))
        assert not await client.indices.exists_alias(name=names.building_alias(DocType.COURSE))
    finally:
        await client.close()


class LookupAfterSwap(IndexCatalogue):
    """A writer whose rebuild-target lookup, once armed, answers only after the alias swap:
    the slowest interleaving a real writer can hit."""

    def __init__(self, *args: object, swapped: asyncio.Event, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.armed = False
        self._swapped = swapped

    async def building(self, doc_type: DocType, *, fresh: bool = False) -> str | None:
        if self.armed:
            await self._swapped.wait()
        return await super().building(doc_type, fresh=fresh)


async def test_a_write_whose_lookup_straddles_the_swap_is_not_lost(
    elasticsearch_url: str, index_prefix: str
) -> None:
    settings = SearchSettings(
        elasticsearch_url=elasticsearch_url,
        elasticsearch_node_class=NODE_CLASS_PATH,
        index_prefix=index_prefix,
    )
    client = build_client(settings)
    names = IndexNames(index_prefix)
    swapped = asyncio.Event()
    writer_catalogue = LookupAfterSwap(
        client, names, refresh_interval="1s", cache_seconds=0, swapped=swapped
    )
    index = ElasticsearchIndex(writer_catalogue)
    rebuilder = ElasticsearchRebuilder(
        IndexCatalogue(client, names, refresh_interval="1s", cache_seconds=0),
        batch_size=1,
        settle_seconds=0.4,
    )
    try:
        for n in range(1, 4):
            assert await index.write(course(f"c{n}", f"Course {n}"))
        writes: list[asyncio.Task[bool]] = []

        def during_copy(progress: RebuildProgress) -> None:
            if progress.phase == "copying" and progress.copied == 2:
                writer_catalogue.armed = True
                writes.append(asyncio.create_task(index.write(course("c1", "Renamed", 2))))
            if progress.phase == "swapped":
                swapped.set()

        await rebuilder.rebuild(DocType.COURSE, during_copy)
        assert [await w for w in writes] == [True]
        alias = names.alias(DocType.COURSE)
        await client.indices.refresh(index=alias)
        stored = await client.get(index=alias, id="c1")
        assert stored["_source"]["title"] == "Renamed"
    finally:
        await client.close()
