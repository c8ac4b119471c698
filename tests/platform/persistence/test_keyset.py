"""Keyset pages against a real PostgreSQL: complete, in order, stable under inserts, bounded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import DateTime, Index, Select, String, Uuid, event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.pagination import TOTAL_CAP, CursorPage, CursorPageRequest, Total
from lms_platform.persistence.keyset import KeysetOrder, fetch_cursor_page
from lms_platform.testing import to_asyncpg_sqlalchemy_url

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class Item(_Base):
    __tablename__ = "items"
    __table_args__ = (Index("ix_items_group_name_id", "group_id", "name", "id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    group_id: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


BY_NAME = KeysetOrder((Item.name, Item.id))
BY_NAME_DESC = KeysetOrder((Item.name, Item.id), descending=True)
BY_CREATED = KeysetOrder((Item.created_at, Item.id))


@pytest.fixture()
async def sessions(postgres_dsn: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(to_asyncpg_sqlalchemy_url(postgres_dsn), pool_size=2)
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _add(
    sessions: async_sessionmaker[AsyncSession], names: list[str], group: str = "g"
) -> None:
    async with sessions.begin() as session:
        for index, name in enumerate(names):
            session.add(
                Item(
                    id=uuid.uuid4(),
                    group_id=group,
                    name=name,
                    created_at=T0 + timedelta(seconds=index % 3),
                )
            )


def _in_group(group: str = "g") -> Select[tuple[Item]]:
    return select(Item).where(Item.group_id == group)


async def _page(
    sessions: async_sessionmaker[AsyncSession],
    request: CursorPageRequest,
    order: KeysetOrder = BY_NAME,
    total_cap: int = TOTAL_CAP,
) -> CursorPage[Item]:
    async with sessions() as session:
        return await fetch_cursor_page(
            session, _in_group(), order, request, lambda item: item, total_cap=total_cap
        )


async def _walk(
    sessions: async_sessionmaker[AsyncSession], order: KeysetOrder, limit: int
) -> list[Item]:
    seen: list[Item] = []
    request = CursorPageRequest(limit=limit)
    while True:
        page = await _page(sessions, request, order)
        seen.extend(page.items)
        if page.next_key is None:
            return seen
        request = CursorPageRequest(limit=limit, after=page.next_key)


@pytest.mark.parametrize(
    "order", [BY_NAME, BY_NAME_DESC, BY_CREATED], ids=["name", "-name", "created"]
)
async def test_walking_the_cursor_yields_every_row_once_in_order(
    sessions: async_sessionmaker[AsyncSession], order: KeysetOrder
) -> None:
    # Many ties on the sort column: the id breaks them the same way on every page.
    await _add(sessions, [f"n{i % 4}" for i in range(23)])
    await _add(sessions, ["other"], group="h")
    seen = await _walk(sessions, order, limit=5)
    keys = [order.key_of(item) for item in seen]
    assert len(keys) == len(set(keys)) == 23
    assert keys == sorted(keys, reverse=order.descending)


async def test_rows_inserted_while_paging_neither_repeat_nor_hide_the_others(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _add(sessions, [f"m{i:02d}" for i in range(20)])
    first = await _page(sessions, CursorPageRequest(limit=8))
    await _add(sessions, ["a-before-everything", "m00-between", "z-after-everything"])
    rest: list[Item] = []
    request = CursorPageRequest(limit=8, after=first.next_key)
    while True:
        page = await _page(sessions, request)
        rest.extend(page.items)
        if page.next_key is None:
            break
        request = CursorPageRequest(limit=8, after=page.next_key)
    first_names = [i.name for i in first.items]
    rest_names = [i.name for i in rest]
    assert first_names == [f"m{i:02d}" for i in range(8)]
    # Every original row exactly once; of the new ones only those after the cursor appear.
    assert rest_names == [f"m{i:02d}" for i in range(8, 20)] + ["z-after-everything"]


async def test_an_offset_page_and_the_totals(sessions: async_sessionmaker[AsyncSession]) -> None:
    await _add(sessions, [f"k{i:02d}" for i in range(30)])
    offset = await _page(sessions, CursorPageRequest(limit=5, offset=10))
    assert [i.name for i in offset.items] == [f"k{i:02d}" for i in range(10, 15)]
    assert offset.total == Total(30, exact=True)
    capped = await _page(sessions, CursorPageRequest(limit=5), total_cap=12)
    assert capped.total == Total(12, exact=False)
    exact = await _page(sessions, CursorPageRequest(limit=5, exact_total=True), total_cap=12)
    assert exact.total == Total(30, exact=True)
    last = await _page(sessions, CursorPageRequest(limit=5, offset=28))
    assert ([i.name for i in last.items], last.next_key, last.total) == (
        ["k28", "k29"],
        None,
        Total(30, True),
    )
    past_the_end = await _page(sessions, CursorPageRequest(limit=5, offset=40))
    assert (past_the_end.items, past_the_end.total) == ([], Total(30, exact=True))


async def test_a_whole_list_on_one_page_needs_no_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _add(sessions, ["a", "b"])
    statements: list[str] = []
    async with sessions() as session:
        connection = await session.connection()
        event.listen(
            connection.sync_connection, "before_cursor_execute", lambda *a: statements.append(a[2])
        )
        page = await fetch_cursor_page(
            session, _in_group(), BY_NAME, CursorPageRequest(limit=5), lambda i: i
        )
    assert page.total == Total(2, exact=True)
    assert len(statements) == 1 and "count" not in statements[0].lower()


@pytest.mark.parametrize("key", [("a",), ("a", "not-a-uuid"), (1, uuid.uuid4())])
async def test_a_key_that_does_not_fit_the_order_is_invalid_input(
    sessions: async_sessionmaker[AsyncSession], key: tuple[object, ...]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await _page(sessions, CursorPageRequest(after=key))
    assert raised.value.field == "cursor"


async def test_a_select_of_columns_pages_as_rows(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _add(sessions, [f"r{i}" for i in range(7)])
    table = Item.__table__
    order = KeysetOrder((table.c.name, table.c.id))
    statement = select(table).where(table.c.group_id == "g")
    names: list[str] = []
    request = CursorPageRequest(limit=3)
    while True:
        async with sessions() as session:
            page = await fetch_cursor_page(session, statement, order, request, lambda row: row.name)
        names.extend(page.items)
        if page.next_key is None:
            break
        request = CursorPageRequest(limit=3, after=page.next_key)
    assert names == [f"r{i}" for i in range(7)]


async def test_a_total_counted_in_the_page_is_the_total_counted_apart(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """``count_in_page`` gives every request the total of the two-statement path, in one
    statement wherever a count is needed, and still none for a page that tells it."""
    await _add(sessions, [f"c{i:02d}" for i in range(30)])
    table = Item.__table__
    rows = select(table).where(table.c.group_id == "g")
    by_name = KeysetOrder((table.c.name, table.c.id))
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    first = await _page(sessions, CursorPageRequest(limit=5))
    requests = [
        CursorPageRequest(limit=5),
        CursorPageRequest(limit=5, exact_total=True),
        CursorPageRequest(limit=5, offset=28),
        CursorPageRequest(limit=5, offset=40),
        CursorPageRequest(limit=5, after=first.next_key),
        CursorPageRequest(limit=50),
    ]
    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for request in requests:
            async with sessions() as session:
                apart = await fetch_cursor_page(
                    session, rows, by_name, request, lambda r: r.name, total_cap=12
                )
                seen.clear()
                together = await fetch_cursor_page(
                    session, rows, by_name, request, lambda r: r.name, total_cap=12,
                    count_in_page=True,
                )  # fmt: skip
            assert (together.items, together.total) == (apart.items, apart.total), request
            # A second statement only for an empty page that must still say the total.
            assert len(seen) == (2 if request.offset == 40 else 1), (request, seen)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with pytest.raises(ValueError, match="count_in_page needs a select of columns"):
        async with sessions() as session:
            await fetch_cursor_page(
                session, _in_group(), BY_NAME, CursorPageRequest(), lambda i: i, count_in_page=True
            )
