"""``IndexRebuilder`` on Elasticsearch, with no downtime:

1. create ``<alias>-v<N+1>`` and point ``<alias>-next`` at it; wait until every process has
   seen it (twice their cache time), so that from then on every write reaches both versions;
2. copy every document of the live version into it, each with its own version (external
   versioning: a newer write that reached the new version first is kept);
3. move the alias to the new version and drop ``-next`` in one ``_aliases`` call (atomic:
   every query sees one version or the other);
4. wait again, then delete the old version.

The source is the live index itself: see docs/services/search.md ("Rebuilding") for why, and
for what would make a rebuild from the owning services possible.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from elasticsearch import AsyncElasticsearch

from lms.search.adapters.elastic.indices import IndexCatalogue
from lms.search.application.ports import RebuildProgress, RebuildResult
from lms.search.domain.documents import DocType
from lms_platform.kernel.errors import Conflict


class ElasticsearchRebuilder:
    def __init__(
        self, catalogue: IndexCatalogue, *, batch_size: int, settle_seconds: float
    ) -> None:
        self._catalogue = catalogue
        self._client: AsyncElasticsearch = catalogue.client
        self._names = catalogue.names
        self._batch_size = batch_size
        self._settle_seconds = settle_seconds

    async def rebuild(
        self, doc_type: DocType, progress: Callable[[RebuildProgress], None]
    ) -> RebuildResult:
        await self._catalogue.ensure(doc_type)
        alias = self._names.alias(doc_type)
        if await self._catalogue.building(doc_type, fresh=True) is not None:
            raise Conflict(f"a rebuild of {alias} is already running")
        previous = await self._catalogue.live(doc_type)
        versions = await self._catalogue.versions(doc_type)
        target = self._names.version(doc_type, (versions[-1] if versions else 0) + 1)
        building = self._names.building_alias(doc_type)
        if not await self._catalogue.create(doc_type, target, alias=building):
            raise Conflict(f"{target} already exists: another rebuild of {alias} is running")
        progress(RebuildProgress(doc_type, "created", target))
        await asyncio.sleep(self._settle_seconds)

        copied = 0
        if previous is not None:
            await self._client.indices.refresh(index=previous)
            total = int((await self._client.count(index=previous))["count"])
            async for batch in self._batches(previous):
                await self._copy(target, batch)
                copied += len(batch)
                progress(RebuildProgress(doc_type, "copying", target, copied, total))

        actions: list[dict[str, Any]] = [
            {"add": {"index": target, "alias": alias}},
            {"remove": {"index": target, "alias": building}},
        ]
        if previous is not None:
            actions.insert(0, {"remove": {"index": previous, "alias": alias}})
        await self._client.indices.update_aliases(actions=actions)
        progress(RebuildProgress(doc_type, "swapped", target, copied, copied))
        if previous is not None:
            await asyncio.sleep(self._settle_seconds)  # writers that still saw -next are done
            await self._client.indices.delete(index=previous)
        progress(RebuildProgress(doc_type, "done", target, copied, copied))
        return RebuildResult(doc_type, previous, target, copied)

    async def _batches(self, index: str) -> AsyncIterator[list[dict[str, Any]]]:
        after: list[Any] | None = None
        while True:
            response = await self._client.search(
                index=index,
                query={"match_all": {}},
                sort=[{"sort_key": {"order": "asc"}}],
                size=self._batch_size,
                search_after=after,
            )
            hits = response["hits"]["hits"]
            if not hits:
                return
            yield hits
            after = hits[-1]["sort"]

    async def _copy(self, target: str, hits: list[dict[str, Any]]) -> None:
        operations: list[dict[str, Any]] = []
        for hit in hits:
            source = hit["_source"]
            operations.append(
                {
                    "index": {
                        "_index": target,
                        "_id": hit["_id"],
                        "version": source["version"],
                        "version_type": "external",
                    }
                }
            )
            operations.append(source)
        response = await self._client.bulk(operations=operations)
        if response["errors"]:
            failures = [
                item["index"]
                for item in response["items"]
                if item["index"].get("status", 200) >= 300 and item["index"]["status"] != 409
            ]
            if failures:  # 409: a newer version arrived through the live writes; keep it
                raise RuntimeError(f"copying into {target} failed: {failures[:3]}")
