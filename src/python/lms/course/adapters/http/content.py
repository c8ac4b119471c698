"""Course content metadata: modules and items."""

from __future__ import annotations

from uuid import UUID

from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody

from lms.course.adapters.http.schemas import (
    CreateItemRequest,
    CreateModuleRequest,
    ItemListResponse,
    ItemResponse,
    ModuleListResponse,
    ModuleResponse,
    PatchItemRequest,
    PatchModuleRequest,
    ReorderItemsRequest,
)
from lms.course.application.content import (
    CreateItem,
    CreateModule,
    DeleteItem,
    DeleteModule,
    ListModules,
    NewItem,
    NewModule,
    ReorderItems,
    UpdateItem,
    UpdateModule,
)
from lms.course.domain.content import ItemType
from lms_platform.http.openapi import problems
from lms_platform.kernel.principal import Principal


class ContentController(Controller):
    tags = ["content"]

    @get("/courses/{course_id:uuid}/modules", summary="A course's modules with their items")
    @inject
    async def list_modules(
        self,
        course_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ListModules],
    ) -> ModuleListResponse:
        modules = await use_case(principal, course_id)
        return ModuleListResponse(
            items=[ModuleResponse.from_domain(m.module, m.items) for m in modules]
        )

    @post(
        "/courses/{course_id:uuid}/modules",
        summary="Add a module to a course",
        responses=problems(403),
    )
    @inject
    async def create_module(
        self, course_id: FromPath[UUID], data: JSONBody[CreateModuleRequest],
        principal: FromDishka[Principal], use_case: FromDishka[CreateModule],
    ) -> ModuleResponse:  # fmt: skip
        module = await use_case(
            principal, course_id,
            NewModule(title=data.title, published=data.published, prerequisite_ids=tuple(data.prerequisite_ids)),
        )  # fmt: skip
        return ModuleResponse.from_domain(module)

    @patch(
        "/modules/{module_id:uuid}",
        summary="Change a module (title, position, published, prerequisites)",
        responses=problems(403),
    )
    @inject
    async def patch_module(
        self, module_id: FromPath[UUID], data: JSONBody[PatchModuleRequest],
        principal: FromDishka[Principal], use_case: FromDishka[UpdateModule],
    ) -> ModuleResponse:  # fmt: skip
        return ModuleResponse.from_domain(await use_case(principal, module_id, data.changes()))

    @delete(
        "/modules/{module_id:uuid}",
        summary="Delete a module and its items",
        responses=problems(403),
    )
    @inject
    async def delete_module(
        self,
        module_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteModule],
    ) -> None:
        await use_case(principal, module_id)

    @post(
        "/modules/{module_id:uuid}/items",
        summary="Add an item to a module",
        responses=problems(403),
    )
    @inject
    async def create_item(
        self, module_id: FromPath[UUID], data: JSONBody[CreateItemRequest],
        principal: FromDishka[Principal], use_case: FromDishka[CreateItem],
    ) -> ItemResponse:  # fmt: skip
        item = await use_case(
            principal, module_id,
            NewItem(title=data.title, type=ItemType(data.type), published=data.published,
                    unlock_at=data.unlock_at, reference=data.reference),
        )  # fmt: skip
        return ItemResponse.from_domain(item)

    @put(
        "/modules/{module_id:uuid}/items/order",
        summary="Reorder a module's items (list every item once)",
        responses=problems(403),
    )
    @inject
    async def reorder_items(
        self, module_id: FromPath[UUID], data: JSONBody[ReorderItemsRequest],
        principal: FromDishka[Principal], use_case: FromDishka[ReorderItems],
    ) -> ItemListResponse:  # fmt: skip
        items = await use_case(principal, module_id, list(data.item_ids))
        return ItemListResponse(items=[ItemResponse.from_domain(i) for i in items])

    @patch("/items/{item_id:uuid}", summary="Change an item", responses=problems(403))
    @inject
    async def patch_item(
        self, item_id: FromPath[UUID], data: JSONBody[PatchItemRequest],
        principal: FromDishka[Principal], use_case: FromDishka[UpdateItem],
    ) -> ItemResponse:  # fmt: skip
        changes = data.changes()
        if "type" in changes:
            changes["type"] = ItemType(str(changes["type"]))
        return ItemResponse.from_domain(await use_case(principal, item_id, changes))

    @delete("/items/{item_id:uuid}", summary="Delete an item", responses=problems(403))
    @inject
    async def delete_item(
        self,
        item_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteItem],
    ) -> None:
        await use_case(principal, item_id)
