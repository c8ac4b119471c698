"""Every document of a search service's indices, as stored, to compare two runs."""

from __future__ import annotations

from typing import Any

from lms.search.adapters.elastic.client import build_client
from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType


async def dump(settings: SearchSettings) -> dict[str, list[dict[str, Any]]]:
    client = build_client(settings)
    names = IndexNames(settings.index_prefix)
    try:
        result: dict[str, list[dict[str, Any]]] = {}
        for doc_type in DocType:
            alias = names.alias(doc_type)
            if not await client.indices.exists_alias(name=alias):
                result[doc_type.value] = []
                continue
            await client.indices.refresh(index=alias)
            response = await client.search(
                index=alias, query={"match_all": {}}, sort=[{"sort_key": "asc"}], size=1000
            )
            result[doc_type.value] = [hit["_source"] for hit in response["hits"]["hits"]]
        return result
    finally:
        await client.close()
