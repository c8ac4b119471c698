"""A search as the caller asks for it, checked before any engine sees it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lms.search.domain.documents import DocType
from lms_platform.kernel.errors import InvalidInput

MAX_QUERY_CHARS = 200
MAX_PAGE_SIZE = 100
MAX_FILTER_VALUES = 50

# Keyword fields a caller may filter and facet on, per type.
FILTERABLE: Mapping[DocType, frozenset[str]] = {
    DocType.COURSE: frozenset({"status", "term_id", "code"}),
    DocType.ASSIGNMENT: frozenset({"course_id", "status", "grading_type", "submission_types"}),
    DocType.USER: frozenset({"roles", "status", "locale"}),
    DocType.NOTE: frozenset({"tags", "course_id", "section_id", "link_kind"}),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchQuery:
    """``after`` are the sort values of the previous page's last hit (``search_after``)."""

    text: str
    types: tuple[DocType, ...]
    filters: Mapping[DocType, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    facets: Mapping[DocType, tuple[str, ...]] = field(default_factory=dict)
    page_size: int = 20
    after: tuple[Any, ...] | None = None


def search_query(
    *,
    text: str,
    types: Sequence[DocType] | None,
    filters: Mapping[DocType, Mapping[str, Sequence[str]]] | None = None,
    facets: Mapping[DocType, Sequence[str]] | None = None,
    page_size: int = 20,
    after: tuple[Any, ...] | None = None,
) -> SearchQuery:
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(f"the query is longer than {MAX_QUERY_CHARS} characters", field="query")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size must be 1 to {MAX_PAGE_SIZE}", field="page_size")
    chosen = tuple(dict.fromkeys(types)) if types else tuple(DocType)
    checked_filters: dict[DocType, dict[str, frozenset[str]]] = {}
    for doc_type, by_field in (filters or {}).items():
        _require_type(doc_type, chosen, "filters")
        for name, values in by_field.items():
            _require_field(doc_type, name, "filters")
            if not values or len(values) > MAX_FILTER_VALUES:
                raise InvalidInput(
                    f"filter {doc_type}.{name} needs 1 to {MAX_FILTER_VALUES} values",
                    field="filters",
                )
            checked_filters.setdefault(doc_type, {})[name] = frozenset(values)
    checked_facets: dict[DocType, tuple[str, ...]] = {}
    for doc_type, names in (facets or {}).items():
        _require_type(doc_type, chosen, "facets")
        for name in names:
            _require_field(doc_type, name, "facets")
        checked_facets[doc_type] = tuple(dict.fromkeys(names))
    return SearchQuery(
        text=text,
        types=chosen,
        filters=checked_filters,
        facets=checked_facets,
        page_size=page_size,
        after=after,
    )


def _require_type(doc_type: DocType, chosen: tuple[DocType, ...], where: str) -> None:
    if doc_type not in chosen:
        raise InvalidInput(f"{where} name {doc_type}, which is not searched", field=where)


def _require_field(doc_type: DocType, name: str, where: str) -> None:
    if name not in FILTERABLE[doc_type]:
        allowed = ", ".join(sorted(FILTERABLE[doc_type]))
        raise InvalidInput(f"{doc_type} has no field {name!r} to use ({allowed})", field=where)
