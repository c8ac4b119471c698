"""In-memory tables: writes are pending until the unit of work commits, as in a database, and
repositories hand out copies."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

from lms_platform.kernel.pagination import Page, PageRequest

T = TypeVar("T")
DELETED: Any = object()  # a pending delete


def copy(item: T) -> T:
    return dataclasses.replace(item)  # type: ignore[type-var]


def page_of(items: Sequence[T], page: PageRequest) -> Page[T]:
    return Page(
        items=list(items[page.offset : page.offset + page.limit]),
        total=len(items),
        limit=page.limit,
        offset=page.offset,
    )


class Table:
    def __init__(self) -> None:
        self.committed: dict[Any, Any] = {}
        self.pending: dict[Any, Any] = {}

    def visible(self) -> dict[Any, Any]:
        merged = {**self.committed, **self.pending}
        return {key: value for key, value in merged.items() if value is not DELETED}

    def commit(self) -> None:
        self.committed.update(self.pending)
        self.committed = {k: v for k, v in self.committed.items() if v is not DELETED}
        self.pending.clear()


class ById(Generic[T]):
    """``get``, ``add`` and ``save`` of aggregates with an ``id``."""

    def __init__(self) -> None:
        self.table = Table()

    async def get(self, item_id: UUID) -> T | None:
        found = self.table.visible().get(item_id)
        return copy(found) if found is not None else None

    async def add(self, item: T) -> None:
        self.table.pending[item.id] = copy(item)  # type: ignore[attr-defined]

    async def save(self, item: T) -> None:
        assert item.id in self.table.visible(), f"no row {item.id}"  # type: ignore[attr-defined]
        self.table.pending[item.id] = copy(item)  # type: ignore[attr-defined]

    def items(self) -> list[T]:
        return list(self.table.visible().values())
