"""Which concrete index each alias points at, and the one being rebuilt, as one process sees
them: created on first use, the rebuild target cached for a short while."""

from __future__ import annotations

import time

from elasticsearch import AsyncElasticsearch, BadRequestError, NotFoundError

from lms.search.adapters.elastic.mappings import IndexNames, index_settings, mapping
from lms.search.domain.documents import DocType


class IndexCatalogue:
    def __init__(
        self,
        client: AsyncElasticsearch,
        names: IndexNames,
        *,
        refresh_interval: str,
        cache_seconds: float,
    ) -> None:
        self.client = client
        self.names = names
        self.refresh_interval = refresh_interval
        self._cache_seconds = cache_seconds
        self._ensured: set[DocType] = set()
        self._building: dict[DocType, tuple[float, str | None]] = {}

    async def ensure(self, doc_type: DocType) -> None:
        """Create ``<alias>-v1`` behind the alias unless the alias exists. A write to a missing
        alias would otherwise create an index with guessed mappings."""
        if doc_type in self._ensured:
            return
        alias = self.names.alias(doc_type)
        if not await self.client.indices.exists_alias(name=alias):
            await self.create(doc_type, self.names.version(doc_type, 1), alias=alias)
        self._ensured.add(doc_type)

    async def create(self, doc_type: DocType, index: str, *, alias: str) -> bool:
        """False when ``index`` already existed (another process made it first)."""
        try:
            await self.client.indices.create(
                index=index,
                settings=index_settings(self.refresh_interval),
                mappings=mapping(doc_type),
                aliases={alias: {}},
            )
        except BadRequestError as error:
            if error.error == "resource_already_exists_exception":
                return False
            raise
        return True

    async def live(self, doc_type: DocType) -> str | None:
        """The concrete index the alias points at."""
        return await self._target(self.names.alias(doc_type))

    async def building(self, doc_type: DocType, *, fresh: bool = False) -> str | None:
        """The concrete index a running rebuild fills, or None."""
        cached = self._building.get(doc_type)
        if not fresh and cached is not None and time.monotonic() - cached[0] < self._cache_seconds:
            return cached[1]
        target = await self._target(self.names.building_alias(doc_type))
        self._building[doc_type] = (time.monotonic(), target)
        return target

    async def versions(self, doc_type: DocType) -> list[int]:
        found = await self.client.indices.get(
            index=f"{self.names.alias(doc_type)}-v*", allow_no_indices=True
        )
        numbers = (self.names.version_number(doc_type, name) for name in found)
        return sorted(n for n in numbers if n is not None)

    async def _target(self, alias: str) -> str | None:
        try:
            found = await self.client.indices.get_alias(name=alias)
        except NotFoundError:
            return None
        return next(iter(found), None)
