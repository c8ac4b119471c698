"""Request and response bodies of the search API. Unknown fields are rejected, not ignored."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Literal

import msgspec

from lms.search.application.errors import InvalidCursor
from lms.search.application.ports import Hit, RebuildResult, SearchPage
from lms.search.domain.documents import DocType
from lms.search.domain.query import MAX_FILTER_VALUES, MAX_PAGE_SIZE, MAX_QUERY_CHARS

TypeName = Literal["user", "course", "assignment", "note"]
QueryText = Annotated[str, msgspec.Meta(max_length=MAX_QUERY_CHARS)]
PageSize = Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str, msgspec.Meta(min_length=1, max_length=512, pattern="^[A-Za-z0-9_-]+$")]
FilterValue = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
FilterValues = Annotated[
    list[FilterValue], msgspec.Meta(min_length=1, max_length=MAX_FILTER_VALUES)
]


class _Filters(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    def chosen(self) -> dict[str, list[str]]:
        return {
            name: values
            for name in self.__struct_fields__
            if (values := getattr(self, name)) is not None
        }


class CourseFilters(_Filters, forbid_unknown_fields=True, kw_only=True):
    status: FilterValues | None = None
    term_id: FilterValues | None = None
    code: FilterValues | None = None


class AssignmentFilters(_Filters, forbid_unknown_fields=True, kw_only=True):
    course_id: FilterValues | None = None
    status: FilterValues | None = None
    grading_type: FilterValues | None = None
    submission_types: FilterValues | None = None


class UserFilters(_Filters, forbid_unknown_fields=True, kw_only=True):
    roles: FilterValues | None = None
    status: FilterValues | None = None
    locale: FilterValues | None = None


class NoteFilters(_Filters, forbid_unknown_fields=True, kw_only=True):
    tags: FilterValues | None = None
    course_id: FilterValues | None = None
    section_id: FilterValues | None = None
    link_kind: FilterValues | None = None


class Filters(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Each type's filters apply to that type's hits only; values of one field are OR-ed."""

    course: CourseFilters | None = None
    assignment: AssignmentFilters | None = None
    user: UserFilters | None = None
    note: NoteFilters | None = None

    def by_type(self) -> dict[DocType, dict[str, list[str]]]:
        found = {DocType(t): getattr(self, t) for t in self.__struct_fields__}
        return {t: f.chosen() for t, f in found.items() if f is not None and f.chosen()}


class Facets(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The keyword fields to count hits by, per type (among the visible matches)."""

    course: (
        Annotated[list[Literal["status", "term_id", "code"]], msgspec.Meta(max_length=3)] | None
    ) = None
    assignment: (
        Annotated[
            list[Literal["course_id", "status", "grading_type", "submission_types"]],
            msgspec.Meta(max_length=4),
        ]
        | None
    ) = None
    user: (
        Annotated[list[Literal["roles", "status", "locale"]], msgspec.Meta(max_length=3)] | None
    ) = None
    note: (
        Annotated[
            list[Literal["tags", "course_id", "section_id", "link_kind"]],
            msgspec.Meta(max_length=4),
        ]
        | None
    ) = None

    def by_type(self) -> dict[DocType, list[str]]:
        found = {DocType(t): getattr(self, t) for t in self.__struct_fields__}
        return {t: list(names) for t, names in found.items() if names}


class SearchRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``types`` defaults to every type; ``filters`` and ``facets`` may name only searched
    types; ``cursor`` is the previous page's ``next_cursor``, with the same query."""

    query: QueryText = ""
    types: Annotated[list[TypeName], msgspec.Meta(min_length=1, max_length=4)] | None = None
    filters: Filters | None = None
    facets: Facets | None = None
    page_size: PageSize = 20
    cursor: Cursor | None = None


class RebuildRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    types: Annotated[list[TypeName], msgspec.Meta(min_length=1, max_length=4)] | None = None


class HitResponse(msgspec.Struct, kw_only=True):
    type: TypeName
    id: str
    score: float | None
    fields: dict[str, Any]
    highlight: dict[str, list[str]]

    @classmethod
    def from_hit(cls, hit: Hit) -> HitResponse:
        return cls(
            type=hit.doc_type.value,
            id=hit.id,
            score=hit.score,
            fields=dict(hit.source),
            highlight={name: list(parts) for name, parts in hit.highlight.items()},
        )


class FacetBucketResponse(msgspec.Struct, kw_only=True):
    value: str
    count: int


class SearchResponse(msgspec.Struct, kw_only=True):
    """``total`` counts every match the caller may see; ``next_cursor`` is null on the last page."""

    total: int
    items: list[HitResponse]
    facets: dict[str, dict[str, list[FacetBucketResponse]]]
    next_cursor: str | None

    @classmethod
    def from_page(cls, page: SearchPage) -> SearchResponse:
        return cls(
            total=page.total,
            items=[HitResponse.from_hit(h) for h in page.hits],
            facets={
                t.value: {
                    name: [FacetBucketResponse(value=b.value, count=b.count) for b in buckets]
                    for name, buckets in by_field.items()
                }
                for t, by_field in page.facets.items()
            },
            next_cursor=encode_cursor(page.after) if page.after is not None else None,
        )


class RebuiltIndex(msgspec.Struct, kw_only=True):
    type: TypeName
    previous: str | None
    current: str
    copied: int

    @classmethod
    def from_result(cls, result: RebuildResult) -> RebuiltIndex:
        return cls(
            type=result.doc_type.value,
            previous=result.previous,
            current=result.current,
            copied=result.copied,
        )


class RebuildResponse(msgspec.Struct, kw_only=True):
    rebuilt: list[RebuiltIndex]


_CursorValues = tuple[float | None, str]


def encode_cursor(after: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(after)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[Any, ...] | None:
    """The sort values of the previous page's last hit: a score and a sort key."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, key = msgspec.json.decode(raw, type=_CursorValues)
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise InvalidCursor("cursor is not one this service handed out", field="cursor") from exc
    return (score, key)
