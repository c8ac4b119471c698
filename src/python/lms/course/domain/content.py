"""Course content metadata: modules and the items inside them. Files live elsewhere; an item
keeps only a reference (a URL, a file id, an assignment id)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from lms_platform.kernel.errors import InvalidInput


class ItemType(StrEnum):
    PAGE = "page"
    FILE = "file"
    LINK = "link"
    ASSIGNMENT = "assignment"
    EXTERNAL_TOOL = "external_tool"


@dataclass(slots=True, kw_only=True)
class Module:
    id: UUID
    tenant_id: str
    course_id: UUID
    title: str
    position: int
    published: bool
    prerequisite_ids: list[UUID] = field(default_factory=list)
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True, kw_only=True)
class Item:
    id: UUID
    tenant_id: str
    module_id: UUID
    title: str
    type: ItemType
    position: int
    published: bool
    unlock_at: datetime | None
    reference: str | None
    created_at: datetime
    updated_at: datetime


def check_prerequisites(
    module_id: UUID, prerequisites: Sequence[UUID], graph: Mapping[UUID, Sequence[UUID]]
) -> None:
    """``graph`` maps every module of the course to its prerequisites. A module may require
    only modules of its own course, never itself, and never through a cycle."""
    for prerequisite in prerequisites:
        if prerequisite not in graph:
            raise InvalidInput(
                f"module {prerequisite} is not a module of this course", field="prerequisite_ids"
            )
    proposed = {**graph, module_id: list(prerequisites)}
    seen: set[UUID] = set()
    stack = list(prerequisites)
    while stack:
        current = stack.pop()
        if current == module_id:
            raise InvalidInput("the prerequisites would form a cycle", field="prerequisite_ids")
        if current in seen:
            continue
        seen.add(current)
        stack.extend(proposed.get(current, ()))


def reorder(items: Sequence[Item], ordered_ids: Sequence[UUID], now: datetime) -> list[Item]:
    """Positions 0..n-1 in the given order; the ids must be exactly the module's items."""
    by_id = {item.id: item for item in items}
    if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != set(by_id):
        raise InvalidInput("list every item of the module exactly once", field="item_ids")
    changed = []
    for position, item_id in enumerate(ordered_ids):
        item = by_id[item_id]
        if item.position != position:
            item.position = position
            item.updated_at = now
            changed.append(item)
    return changed
