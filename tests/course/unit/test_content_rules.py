"""Module prerequisites and item order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lms.course.domain.content import Item, ItemType, check_prerequisites, reorder
from lms_platform.kernel.errors import InvalidInput

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def test_prerequisites_must_be_modules_of_the_course_and_acyclic() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    graph = {a: [], b: [a], c: [b]}
    check_prerequisites(c, [a, b], graph)
    with pytest.raises(InvalidInput, match="cycle"):
        check_prerequisites(a, [c], graph)  # a -> c -> b -> a
    with pytest.raises(InvalidInput, match="cycle"):
        check_prerequisites(a, [a], graph)
    with pytest.raises(InvalidInput, match="not a module"):
        check_prerequisites(a, [uuid.uuid4()], graph)


def _item(position: int) -> Item:
    return Item(
        id=uuid.uuid4(), tenant_id="c", module_id=uuid.uuid4(), title=f"i{position}",
        type=ItemType.PAGE, position=position, published=True, unlock_at=None, reference=None,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def test_reorder_sets_positions_and_needs_every_item_once() -> None:
    items = [_item(0), _item(1), _item(2)]
    changed = reorder(items, [items[2].id, items[0].id, items[1].id], NOW)
    assert [i.position for i in items] == [1, 2, 0]
    assert len(changed) == 3
    with pytest.raises(InvalidInput):
        reorder(items, [items[0].id, items[0].id, items[1].id], NOW)
    with pytest.raises(InvalidInput):
        reorder(items, [items[0].id], NOW)
