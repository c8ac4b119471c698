"""The domain's filters and queries in the Elasticsearch query language, kept to what both
Elasticsearch 9 and the test server support (docs/services/search.md)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from lms.search.adapters.elastic.mappings import FULL_TEXT_FIELDS, HIGHLIGHT_FIELDS, PREFIX_FIELDS
from lms.search.domain.filters import (
    AllOf,
    AnyOf,
    Eq,
    Filter,
    In,
    MatchesText,
    NotAfter,
    Nothing,
    all_of,
    any_of,
)
from lms.search.domain.query import SearchQuery

FACET_SIZE = 20
SORT = [{"_score": {"order": "desc"}}, {"sort_key": {"order": "asc"}}]


def to_dsl(node: Filter) -> dict[str, Any]:
    match node:
        case Eq(field, value):
            return {"term": {field: value}}
        case In(field, values):
            return {"terms": {field: sorted(values)}}
        case NotAfter(field, moment):
            return {"range": {field: {"lte": moment.astimezone(UTC).isoformat()}}}
        case MatchesText(field, text):  # a text field of the mappings: it has a prefix subfield
            return _words(text, [field], [f"{field}.prefix"])
        case AllOf(parts):
            return {"bool": {"filter": [to_dsl(p) for p in parts]}} if parts else {"match_all": {}}
        case AnyOf(parts):
            return {"bool": {"should": [to_dsl(p) for p in parts], "minimum_should_match": 1}}
        case Nothing():
            return {"bool": {"must_not": [{"match_all": {}}]}}
    raise TypeError(f"not a filter: {node!r}")


def caller_filters(query: SearchQuery) -> Filter:
    """A type's filters apply to that type's documents only; other types pass untouched."""
    if not query.filters:
        return all_of()
    parts = [
        all_of(Eq("doc_type", t.value), *(In(name, vs) for name, vs in query.filters[t].items()))
        for t in query.types
        if t in query.filters
    ]
    untouched = [t.value for t in query.types if t not in query.filters]
    if untouched:
        parts.append(In("doc_type", frozenset(untouched)))
    return any_of(*parts)


def text_query(text: str) -> dict[str, Any]:
    return _words(text, list(FULL_TEXT_FIELDS), list(PREFIX_FIELDS))


def _words(text: str, full: list[str], prefixes: list[str]) -> dict[str, Any]:
    """Whole words with typos tolerated on ``full``, word beginnings on ``prefixes``."""
    if not text:
        return {"match_all": {}}
    return {
        "bool": {
            "should": [
                {
                    "multi_match": {
                        "query": text,
                        "fields": full,
                        "fuzziness": "AUTO",
                        "prefix_length": 1,
                    }
                },
                {"multi_match": {"query": text, "fields": prefixes}},
            ],
            "minimum_should_match": 1,
        }
    }


def facet_aggregations(query: SearchQuery) -> dict[str, Any]:
    return {
        t.value: {
            "filter": {"term": {"doc_type": t.value}},
            "aggs": {name: {"terms": {"field": name, "size": FACET_SIZE}} for name in names},
        }
        for t, names in query.facets.items()
        if names
    }


def search_body(query: SearchQuery, visibility: Filter) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": [text_query(query.text)],
                "filter": [to_dsl(visibility), to_dsl(caller_filters(query))],
            }
        },
        "sort": SORT,
        "size": query.page_size + 1,  # one more tells whether another page follows
        "track_total_hits": True,
        "highlight": {
            "fields": {name: {} for name in HIGHLIGHT_FIELDS},
            "require_field_match": False,
            "pre_tags": ["<mark>"],
            "post_tags": ["</mark>"],
        },
    }
    if query.after is not None:
        body["search_after"] = list(query.after)
    aggregations = facet_aggregations(query)
    if aggregations:
        body["aggs"] = aggregations
    return body
