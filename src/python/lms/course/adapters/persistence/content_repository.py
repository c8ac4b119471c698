"""Modules and their items."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.course.adapters.persistence.mapping import copy_into, flush, new_record, to_entity
from lms.course.adapters.persistence.models import ItemRecord, ModuleRecord
from lms.course.domain.content import Item, Module


class SqlAlchemyContent:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_module(self, module: Module) -> None:
        self._session.add(new_record(ModuleRecord, module))
        await flush(self._session)

    async def get_module(self, module_id: UUID) -> Module | None:
        record = await self._session.get(ModuleRecord, module_id)
        return to_entity(record, Module) if record else None

    async def modules(self, course_id: UUID) -> list[Module]:
        query = (
            select(ModuleRecord)
            .where(ModuleRecord.course_id == course_id)
            .order_by(ModuleRecord.position, ModuleRecord.id)
        )
        return [to_entity(r, Module) for r in (await self._session.execute(query)).scalars()]

    async def save_module(self, module: Module) -> None:
        record = await self._session.get(ModuleRecord, module.id)
        copy_into(record, module)
        await flush(self._session)

    async def delete_module(self, module: Module) -> None:
        await self._session.execute(delete(ItemRecord).where(ItemRecord.module_id == module.id))
        await self._session.execute(delete(ModuleRecord).where(ModuleRecord.id == module.id))

    async def add_item(self, item: Item) -> None:
        self._session.add(new_record(ItemRecord, item))
        await flush(self._session)

    async def get_item(self, item_id: UUID) -> Item | None:
        record = await self._session.get(ItemRecord, item_id)
        return to_entity(record, Item) if record else None

    async def items(self, module_ids: Sequence[UUID]) -> list[Item]:
        if not module_ids:
            return []
        query = (
            select(ItemRecord)
            .where(ItemRecord.module_id.in_(module_ids))
            .order_by(ItemRecord.module_id, ItemRecord.position, ItemRecord.id)
        )
        return [to_entity(r, Item) for r in (await self._session.execute(query)).scalars()]

    async def save_item(self, item: Item) -> None:
        record = await self._session.get(ItemRecord, item.id)
        copy_into(record, item)
        await flush(self._session)

    async def delete_item(self, item: Item) -> None:
        record = await self._session.get(ItemRecord, item.id)
        if record is not None:
            await self._session.delete(record)
            await flush(self._session)
