"""Pagination shared by every list use case, with no framework in sight.

Lists page by **cursor** (keyset): a page ends with the sort key of its last item, and the next
page starts after that key. Each page costs the same however deep it is, and rows inserted or
deleted meanwhile never shift an item onto two pages or off all of them. **Offset** pages remain
for lists that are small by nature and for jumping ahead, bounded by ``MAX_OFFSET``: skipping a
million rows is a scan of a million rows.

The total is exact only when it is cheap: by default it is counted up to ``TOTAL_CAP`` and
reported as "at least ``TOTAL_CAP``" beyond that; an exact count is asked for explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 10_000
TOTAL_CAP = 1_000

SortKey = tuple[Any, ...]  # the values of a list's sort columns, unique column last


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")


def _check_offset(offset: int) -> None:
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset must be between 0 and {MAX_OFFSET}")


@dataclass(frozen=True, slots=True)
class PageRequest:
    """An offset page, for lists that stay small (a college's API keys, template versions)."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        _check_offset(self.offset)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True, slots=True)
class CursorPageRequest:
    """A page of a list in a stable order: the first page, the page after ``after`` (the sort
    key a previous page ended with), or (bounded) the page ``offset`` items in."""

    limit: int = DEFAULT_LIMIT
    after: SortKey | None = None
    offset: int = 0
    exact_total: bool = False

    def __post_init__(self) -> None:
        _check_limit(self.limit)
        _check_offset(self.offset)
        if self.after is not None and self.offset:
            raise ValueError("a page starts after a cursor or at an offset, not both")


@dataclass(frozen=True, slots=True)
class Total:
    """How many items the whole list holds: ``value`` exactly, or at least ``value``."""

    value: int
    exact: bool

    @classmethod
    def capped(cls, counted: int, cap: int = TOTAL_CAP) -> Total:
        """From a count that stopped at ``cap + 1`` rows."""
        return cls(value=min(counted, cap), exact=counted <= cap)


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    items: Sequence[T]
    limit: int
    next_key: SortKey | None  # where the next page starts; None on the last page
    total: Total

    @property
    def has_more(self) -> bool:
        return self.next_key is not None


def page_in_memory(
    rows: Sequence[T],
    sort_key: Callable[[T], SortKey],
    request: CursorPageRequest,
    *,
    descending: bool = False,
) -> CursorPage[T]:
    """The same contract over rows held in memory, already sorted by ``sort_key`` (descending if
    ``descending``). For small in-memory lists, and for the fakes that unit tests use."""
    if request.after is not None:
        after = request.after

        def follows(key: SortKey) -> bool:
            return key < after if descending else key > after

        position = next((i for i, row in enumerate(rows) if follows(sort_key(row))), len(rows))
    else:
        position = request.offset
    window = list(rows[position : position + request.limit + 1])
    items = window[: request.limit]
    has_more = len(window) > request.limit
    return CursorPage(
        items=items,
        limit=request.limit,
        next_key=sort_key(items[-1]) if has_more else None,
        total=Total(len(rows), exact=True) if request.exact_total else Total.capped(len(rows)),
    )
