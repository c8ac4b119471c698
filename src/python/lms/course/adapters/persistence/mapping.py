"""Domain dataclasses to rows and back, field by field: the tables mirror the entities, so
one mapper serves them all (enums are stored as their values)."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.kernel.errors import Conflict

T = TypeVar("T")


Plan = tuple[tuple[str, type[Enum] | None, bool], ...]
_PLANS: dict[type[Any], Plan] = {}


def _plan(entity_type: type[Any]) -> Plan:
    """Per field of the dataclass: its name, its enum type (if any), whether it is a list."""
    plan = _PLANS.get(entity_type)
    if plan is None:
        hints = typing.get_type_hints(entity_type)
        plan = _PLANS[entity_type] = tuple(
            (
                field.name,
                (
                    hint
                    if isinstance(hint := hints[field.name], type) and issubclass(hint, Enum)
                    else None
                ),
                typing.get_origin(hints[field.name]) is list,
            )
            for field in dataclasses.fields(entity_type)
        )
    return plan


def to_entity(record: Any, entity_type: type[T]) -> T:
    values: dict[str, Any] = {}
    for name, enum, is_list in _plan(entity_type):
        value = getattr(record, name)
        if value is not None:
            if enum is not None:
                value = enum(value)
            elif is_list:
                value = list(value)
        values[name] = value
    return entity_type(**values)


def copy_into(record: Any, entity: Any, *, skip: tuple[str, ...] = ("id",)) -> Any:
    for name, _, _ in _plan(type(entity)):
        if name in skip:
            continue
        value = getattr(entity, name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, tuple | list):
            value = list(value)
        setattr(record, name, value)
    return record


def new_record(record_type: type[Any], entity: Any) -> Any:
    return copy_into(record_type(id=entity.id), entity)


async def flush(session: AsyncSession) -> None:
    """Flush now, so that a unique index's refusal is a 409 of this write, not a 500 later."""
    try:
        await session.flush()
    except IntegrityError as exc:
        # No rollback here: the caller's unit of work (or savepoint) undoes the transaction.
        raise Conflict(
            "this conflicts with an existing record (a code or a membership is taken)"
        ) from exc


class RowMapper:
    """Builds an entity from a Core row by column position: for hot read queries, which skip
    the ORM (its identity map costs more than the rows) and name their columns once."""

    def __init__(self, entity_type: type[Any], columns: Sequence[str], start: int = 0) -> None:
        position = {name: start + index for index, name in enumerate(columns)}
        self._type = entity_type
        self._fields = tuple(
            (name, position[name], enum, is_list) for name, enum, is_list in _plan(entity_type)
        )

    def __call__(self, row: Sequence[Any]) -> Any:
        values: dict[str, Any] = {}
        for name, index, enum, is_list in self._fields:
            value = row[index]
            if value is not None:
                if enum is not None:
                    value = enum(value)
                elif is_list:
                    value = list(value)
            values[name] = value
        return self._type(**values)
