"""Keyset pagination for SQLAlchemy: one page of a filtered ``select`` in a stable order.

A page is ``WHERE <filters> AND (k1, k2, id) > (:k1, :k2, :id) ORDER BY k1, k2, id LIMIT n + 1``:
with an index on ``(<equality filters>, k1, k2, id)`` PostgreSQL reads only the ``n + 1`` rows
it returns, on the first page and on the ten-thousandth. The extra row tells whether another
page follows. The total is a second, bounded query: ``count(*)`` over at most ``cap + 1``
matching rows unless an exact count is asked for, and none at all when the first page already
holds the whole list.

The order's columns must be NOT NULL (a row comparison with NULL matches nothing) and the last
one unique (the primary key), so that ties are broken the same way on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.pagination import (
    TOTAL_CAP,
    CursorPage,
    CursorPageRequest,
    SortKey,
    Total,
)

M = TypeVar("M")
T = TypeVar("T")


@dataclass(frozen=True)
class KeysetOrder:
    """A list's order: ``columns`` (mapped attributes, unique one last), all ascending or all
    descending, so that one btree index serves it forwards or backwards."""

    columns: tuple[Any, ...]
    descending: bool = False

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("a keyset order needs at least its unique column")

    def order_by(self) -> list[ColumnElement[Any]]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def after(self, key: SortKey) -> ColumnElement[bool]:
        """Rows that follow ``key`` in this order."""
        if len(key) != len(self.columns):
            raise InvalidInput("the cursor does not fit this list's order", field="cursor")
        bound = []
        for column, value in zip(self.columns, key, strict=True):
            expected = column.type.python_type
            if not isinstance(value, expected):
                raise InvalidInput("the cursor does not fit this list's order", field="cursor")
            bound.append(literal(value, type_=column.type))
        row, start = tuple_(*self.columns), tuple_(*bound)
        return row < start if self.descending else row > start

    def key_of(self, record: Any) -> SortKey:
        key = tuple(getattr(record, column.key) for column in self.columns)
        if any(value is None for value in key):
            raise ValueError(f"a keyset column is NULL in {record!r}: the order must be NOT NULL")
        return key


async def fetch_cursor_page(
    session: AsyncSession,
    statement: Select[tuple[M]],
    order: KeysetOrder,
    request: CursorPageRequest,
    convert: Callable[[M], T],
    *,
    total_cap: int = TOTAL_CAP,
    count_in_page: bool = False,
) -> CursorPage[T]:
    """One page of ``statement`` (a ``select`` of one mapped class, or of a table's columns, with
    its filters and no order), each ORM object or row passed through ``convert``. Rows cost
    less than ORM objects; key columns are read from either by name.

    ``count_in_page`` (row selects only) counts the total in the page's own statement, as a
    column ``list_total``: one round trip and one statement instead of two where most pages
    need a count (a search in a large college: +14 % req/s at 100,000 profiles). It is then
    counted even when the page holds the whole list (a search in a small college: -19 %;
    docs/benchmarks/user.md). Without it the count is a second statement, sent only when the
    page does not tell the total itself."""
    page = statement.order_by(*order.order_by()).limit(request.limit + 1)
    if request.after is not None:
        page = page.where(order.after(request.after))
    elif request.offset:
        page = page.offset(request.offset)
    if count_in_page:
        if _one_entity(statement):
            raise ValueError("count_in_page needs a select of columns, not of a mapped class")
        counted = _count(statement, request, total_cap).scalar_subquery()
        page = page.add_columns(counted.label(_TOTAL_COLUMN))
    result = await session.execute(page)
    records: Sequence[Any] = result.scalars().all() if _one_entity(statement) else result.all()
    has_more = len(records) > request.limit
    records = records[: request.limit]
    if count_in_page and records and not _page_tells_total(request, len(records), has_more):
        in_page = int(getattr(records[0], _TOTAL_COLUMN))
        total = (
            Total(in_page, exact=True) if request.exact_total else Total.capped(in_page, total_cap)
        )
    else:
        total = await _total(session, statement, request, len(records), has_more, total_cap)
    return CursorPage(
        items=[convert(record) for record in records],
        limit=request.limit,
        next_key=order.key_of(records[-1]) if has_more else None,
        total=total,
    )


_TOTAL_COLUMN = "list_total"


def _one_entity(statement: Select[Any]) -> bool:
    """Whether ``statement`` selects one mapped class (ORM objects) rather than columns (rows)."""
    descriptions = statement.column_descriptions
    return len(descriptions) == 1 and isinstance(descriptions[0]["expr"], type)


def _page_tells_total(request: CursorPageRequest, returned: int, has_more: bool) -> bool:
    """Whether the page reached the end of a list it started at the beginning of."""
    return request.after is None and not has_more and (returned > 0 or not request.offset)


async def _total(
    session: AsyncSession,
    statement: Select[Any],
    request: CursorPageRequest,
    returned: int,
    has_more: bool,
    cap: int,
) -> Total:
    if _page_tells_total(request, returned, has_more):
        return Total(request.offset + returned, exact=True)
    counted = int((await session.scalar(_count(statement, request, cap))) or 0)
    return Total(counted, exact=True) if request.exact_total else Total.capped(counted, cap)


def _count(statement: Select[Any], request: CursorPageRequest, cap: int) -> Select[Any]:
    """The statement counting ``statement``'s rows: all of them, or at most ``cap + 1``."""
    matching: Select[Any] = statement.with_only_columns(
        literal_column("1"), maintain_column_froms=True
    )
    if request.exact_total:
        return select(func.count()).select_from(matching.subquery())
    return _capped_count(matching, cap)


def _capped_count(matching: Select[Any], cap: int) -> Select[Any]:
    """``count(*)`` of at most ``cap + 1`` of ``matching``'s rows.

    The rows come from a MATERIALIZED CTE, which PostgreSQL plans as if all of them were read
    and runs lazily, so the LIMIT above it only stops the scan early. A plain ``LIMIT`` inside
    the count lets the planner assume the matches are spread evenly and pick a sequential scan
    that reads thousands of rows to find a few (a search of 100,000 profiles: 7-50 ms where
    the trigram indexes take 0.6 ms; docs/benchmarks/user-list-plans.md)."""
    rows = matching.cte("matching").prefix_with("MATERIALIZED")
    first = select(literal_column("1")).select_from(rows).limit(cap + 1).subquery()
    return select(func.count()).select_from(first)
