"""``SearchIndex`` on Elasticsearch: external versioning on every write, the caller's
visibility inside every query."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ConflictError

from lms.search.adapters.elastic.dsl import search_body
from lms.search.adapters.elastic.indices import IndexCatalogue
from lms.search.adapters.elastic.mappings import INTERNAL_FIELDS
from lms.search.application.errors import IndexWriteError
from lms.search.application.ports import FacetBucket, Hit, SearchPage
from lms.search.domain.documents import DocType, Document
from lms.search.domain.filters import Filter
from lms.search.domain.query import SearchQuery

_log = logging.getLogger(__name__)


def document_body(document: Document) -> dict[str, Any]:
    return {
        **document.fields,
        "doc_type": document.doc_type.value,
        "id": document.id,
        "tenant_id": document.tenant_id,
        "deleted": document.deleted,
        "sort_key": document.sort_key,
        "version": document.version,
    }


_BODY_FIELDS = frozenset({"doc_type", "id", "tenant_id", "deleted", "sort_key", "version"})


def stored_document(source: dict[str, Any]) -> Document:
    """The document a stored body was written from (``document_body`` reversed); its event
    time is unknown and not needed by a merge."""
    return Document(
        doc_type=DocType(source["doc_type"]),
        id=source["id"],
        tenant_id=source["tenant_id"],
        version=int(source["version"]),
        event_time=datetime.min.replace(tzinfo=UTC),
        deleted=bool(source["deleted"]),
        fields={k: v for k, v in source.items() if k not in _BODY_FIELDS},
    )


class ElasticsearchIndex:
    def __init__(self, catalogue: IndexCatalogue) -> None:
        self._catalogue = catalogue
        self._client = catalogue.client
        self._names = catalogue.names

    async def write(self, document: Document) -> bool:
        await self._catalogue.ensure(document.doc_type)
        body = document_body(document)
        # The rebuild target is looked up before the live write: looked up after, a swap in
        # between would make it None while the live write went to the old version, and lose it.
        building = await self._catalogue.building(document.doc_type)
        applied = await self._write(self._names.alias(document.doc_type), document, body)
        if building is not None:
            await self._write(building, document, body)
        return applied

    async def write_many(self, documents: Sequence[Document]) -> list[bool]:
        """One ``_bulk`` to the aliases (and one to each index being rebuilt), each document
        with its external version: a stale one is a per-item 409, not a failure."""
        doc_types = {document.doc_type for document in documents}
        for doc_type in doc_types:
            await self._catalogue.ensure(doc_type)
        writes = [(d, document_body(d)) for d in documents]
        building = {t: await self._catalogue.building(t) for t in doc_types}  # first: see write()
        applied = await self._bulk([(self._names.alias(d.doc_type), d, body) for d, body in writes])
        rebuilt = [
            (target, d, body) for d, body in writes if (target := building[d.doc_type]) is not None
        ]
        if rebuilt:
            await self._bulk(rebuilt)
        return applied

    async def _bulk(self, writes: list[tuple[str, Document, dict[str, Any]]]) -> list[bool]:
        operations: list[dict[str, Any]] = []
        for index, document, body in writes:
            operations.append(
                {
                    "index": {
                        "_index": index,
                        "_id": document.id,
                        "version": document.version,
                        "version_type": "external",
                    }
                }
            )
            operations.append(body)
        response = await self._client.bulk(operations=operations)
        applied: list[bool] = []
        refused: list[str] = []
        for (index, document, _), item in zip(writes, response["items"], strict=True):
            outcome = item.get("index") or next(iter(item.values()))
            status = int(outcome.get("status", 500))
            applied.append(status < 300)
            if status >= 300 and status != 409:  # 409: this version or a newer one is stored
                refused.append(f"{index}/{document.id}: {status} {outcome.get('error')}")
        if refused:
            raise IndexWriteError(f"{len(refused)} of {len(writes)} refused: {refused[:5]}")
        return applied

    async def _write(self, index: str, document: Document, body: dict[str, Any]) -> bool:
        try:
            await self._client.index(
                index=index,
                id=document.id,
                document=body,
                version=document.version,
                version_type="external",
            )
        except ConflictError:
            return False  # this version or a newer one is stored
        return True

    async def read_many(self, doc_type: DocType, ids: Sequence[str]) -> dict[str, Document]:
        """``mget`` through the alias: real-time (the last write, refreshed or not)."""
        if not ids:
            return {}
        await self._catalogue.ensure(doc_type)
        response = await self._client.mget(index=self._names.alias(doc_type), ids=list(ids))
        return {
            doc["_id"]: stored_document(doc["_source"])
            for doc in response["docs"]
            if doc.get("found")
        }

    async def search(self, query: SearchQuery, visibility: Filter) -> SearchPage:
        for doc_type in query.types:
            await self._catalogue.ensure(doc_type)
        response = await self._client.search(
            index=",".join(self._names.alias(t) for t in query.types),
            **search_body(query, visibility),
        )
        raw_hits = response["hits"]["hits"]
        more = len(raw_hits) > query.page_size
        page = raw_hits[: query.page_size]
        return SearchPage(
            total=int(response["hits"]["total"]["value"]),
            hits=[_hit(raw) for raw in page],
            facets=_facets(response.get("aggregations") or {}),
            after=tuple(page[-1]["sort"]) if more and page else None,
        )


def _hit(raw: dict[str, Any]) -> Hit:
    source = raw["_source"]
    highlight: dict[str, list[str]] = {}
    # "title.prefix" and "title" highlight the same field; the full-word one wins.
    for name in sorted(raw.get("highlight", {}), key=lambda n: n.count(".")):
        highlight.setdefault(name.split(".")[0], raw["highlight"][name])
    return Hit(
        doc_type=DocType(source["doc_type"]),
        id=source["id"],
        score=raw.get("_score"),
        source={k: v for k, v in source.items() if k not in INTERNAL_FIELDS},
        highlight=highlight,
    )


def _facets(aggregations: dict[str, Any]) -> dict[DocType, dict[str, list[FacetBucket]]]:
    facets: dict[DocType, dict[str, list[FacetBucket]]] = {}
    for type_name, by_type in aggregations.items():
        facets[DocType(type_name)] = {
            name: [FacetBucket(str(b["key"]), int(b["doc_count"])) for b in agg["buckets"]]
            for name, agg in by_type.items()
            if isinstance(agg, dict) and "buckets" in agg
        }
    return facets
