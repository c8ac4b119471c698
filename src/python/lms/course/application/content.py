"""Course content metadata: modules and their items. Members of the course read it (students
and observers only what is published); those who may edit the course change it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.course.application.access import CourseAccess, course_access
from lms.course.application.ports import ContentStore
from lms.course.domain.content import Item, ItemType, Module, check_prerequisites, reorder
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

MODULE_FIELDS = ("title", "position", "published", "prerequisite_ids")
ITEM_FIELDS = ("title", "type", "published", "unlock_at", "reference")


@dataclass(frozen=True, slots=True, kw_only=True)
class NewModule:
    title: str
    published: bool = False
    prerequisite_ids: tuple[UUID, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class NewItem:
    title: str
    type: ItemType
    published: bool = False
    unlock_at: datetime | None = None
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class ModuleWithItems:
    module: Module
    items: list[Item]


async def _editable(store: ContentStore, principal: Principal, course_id: UUID) -> CourseAccess:
    access = await course_access(principal, await store.courses.get(course_id), store.enrollments)
    access.ensure_can_edit()
    return access


async def _module_for_edit(store: ContentStore, principal: Principal, module_id: UUID) -> Module:
    module = await store.content.get_module(module_id)
    if module is None or not principal.can_see_tenant(module.tenant_id):
        raise NotFound("module not found")
    access = await course_access(
        principal, await store.courses.get(module.course_id), store.enrollments
    )
    if not access.can_see or not (module.published or access.sees_drafts):
        raise NotFound("module not found")
    access.ensure_can_edit()
    return module


async def _graph(store: ContentStore, course_id: UUID) -> dict[UUID, list[UUID]]:
    return {m.id: list(m.prerequisite_ids) for m in await store.content.modules(course_id)}


class ListModules:
    def __init__(self, store: ContentStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, course_id: UUID) -> list[ModuleWithItems]:
        access = await course_access(
            principal, await self._store.courses.get(course_id), self._store.enrollments
        )
        access.ensure_visible()
        drafts = access.sees_drafts
        modules = [m for m in await self._store.content.modules(course_id) if drafts or m.published]
        items = await self._store.content.items([m.id for m in modules])
        by_module: dict[UUID, list[Item]] = {m.id: [] for m in modules}
        for item in items:
            if drafts or item.published:
                by_module[item.module_id].append(item)
        return [ModuleWithItems(m, by_module[m.id]) for m in modules]


class CreateModule:
    def __init__(self, store: ContentStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self, principal: Principal, course_id: UUID, data: NewModule) -> Module:
        access = await _editable(self._store, principal, course_id)
        graph = await _graph(self._store, course_id)
        module_id = self._ids.new_id()
        check_prerequisites(module_id, data.prerequisite_ids, graph)
        now = self._clock.now()
        module = Module(
            id=module_id, tenant_id=access.course.tenant_id, course_id=course_id,
            title=data.title, position=len(graph), published=data.published,
            prerequisite_ids=list(data.prerequisite_ids), created_at=now, updated_at=now,
        )  # fmt: skip
        await self._store.content.add_module(module)
        await self._store.commit()
        return module


class UpdateModule:
    def __init__(self, store: ContentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(
        self, principal: Principal, module_id: UUID, changes: dict[str, object]
    ) -> Module:
        module = await _module_for_edit(self._store, principal, module_id)
        if "prerequisite_ids" in changes:
            prerequisites = list(changes["prerequisite_ids"])  # type: ignore[call-overload]
            check_prerequisites(
                module.id, prerequisites, await _graph(self._store, module.course_id)
            )
            changes = {**changes, "prerequisite_ids": prerequisites}
        changed = [k for k, v in changes.items() if getattr(module, k) != v]
        for name in changed:
            setattr(module, name, changes[name])
        if changed:
            module.updated_at = self._clock.now()
            await self._store.content.save_module(module)
            await self._store.commit()
        return module


class DeleteModule:
    def __init__(self, store: ContentStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, module_id: UUID) -> None:
        module = await _module_for_edit(self._store, principal, module_id)
        for other in await self._store.content.modules(module.course_id):
            if module.id in other.prerequisite_ids:  # nothing may require a module that is gone
                other.prerequisite_ids = [p for p in other.prerequisite_ids if p != module.id]
                await self._store.content.save_module(other)
        await self._store.content.delete_module(module)
        await self._store.commit()


class CreateItem:
    def __init__(self, store: ContentStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self, principal: Principal, module_id: UUID, data: NewItem) -> Item:
        module = await _module_for_edit(self._store, principal, module_id)
        existing = await self._store.content.items([module.id])
        now = self._clock.now()
        item = Item(
            id=self._ids.new_id(), tenant_id=module.tenant_id, module_id=module.id,
            title=data.title, type=data.type, position=len(existing), published=data.published,
            unlock_at=data.unlock_at, reference=data.reference, created_at=now, updated_at=now,
        )  # fmt: skip
        await self._store.content.add_item(item)
        await self._store.commit()
        return item


async def _item_for_edit(store: ContentStore, principal: Principal, item_id: UUID) -> Item:
    item = await store.content.get_item(item_id)
    if item is None or not principal.can_see_tenant(item.tenant_id):
        raise NotFound("item not found")
    await _module_for_edit(store, principal, item.module_id)
    return item


class UpdateItem:
    def __init__(self, store: ContentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(
        self, principal: Principal, item_id: UUID, changes: dict[str, object]
    ) -> Item:
        item = await _item_for_edit(self._store, principal, item_id)
        changed = [k for k, v in changes.items() if getattr(item, k) != v]
        for name in changed:
            setattr(item, name, changes[name])
        if changed:
            item.updated_at = self._clock.now()
            await self._store.content.save_item(item)
            await self._store.commit()
        return item


class DeleteItem:
    def __init__(self, store: ContentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self, principal: Principal, item_id: UUID) -> None:
        item = await _item_for_edit(self._store, principal, item_id)
        await self._store.content.delete_item(item)
        rest = [i for i in await self._store.content.items([item.module_id]) if i.id != item.id]
        for moved in reorder(rest, [i.id for i in rest], self._clock.now()):
            await self._store.content.save_item(moved)
        await self._store.commit()


class ReorderItems:
    def __init__(self, store: ContentStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(
        self, principal: Principal, module_id: UUID, item_ids: list[UUID]
    ) -> list[Item]:
        module = await _module_for_edit(self._store, principal, module_id)
        items = await self._store.content.items([module.id])
        for moved in reorder(items, item_ids, self._clock.now()):
            await self._store.content.save_item(moved)
        await self._store.commit()
        return sorted(items, key=lambda i: i.position)
