"""The permission catalogue, a college's role → permission mapping, and role assignment."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, put
from litestar.params import FromPath, JSONBody, Parameter

from lms.auth.adapters.http.schemas import AccountResponse, RoleName
from lms.auth.application.roles import (
    AssignRoles,
    GetRoleMapping,
    ResetRolePermissions,
    SetRolePermissions,
    permission_catalogue,
)
from lms.auth.domain.role_permissions import (
    CUSTOMIZABLE_ROLES,
    PLATFORM_ONLY_PERMISSIONS,
    RolePermissions,
)
from lms_platform.http.openapi import documented, problems
from lms_platform.kernel.principal import Principal

# What a college role may be given (the use case also keeps a college admin able to repair).
PermissionName = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=64),
    documented(enum=sorted(set(permission_catalogue()) - PLATFORM_ONLY_PERMISSIONS)),
]
# Any other role is refused by the use case (422).
CustomizableRole = Annotated[str, Parameter(schema_extra={"enum": list(CUSTOMIZABLE_ROLES)})]


class PermissionResponse(msgspec.Struct, kw_only=True):
    name: str
    description: str


class RolePermissionsResponse(msgspec.Struct, kw_only=True):
    role: str
    permissions: list[str]
    customized: bool

    @classmethod
    def from_domain(cls, mapping: RolePermissions) -> RolePermissionsResponse:
        return cls(
            role=mapping.role,
            permissions=sorted(mapping.permissions),
            customized=mapping.customized,
        )


class SetPermissionsRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    permissions: Annotated[list[PermissionName], msgspec.Meta(max_length=100)]


class AssignRolesRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=5)]


class RolesController(Controller):
    tags = ["roles and permissions"]

    @get("/permissions", summary="Every permission a token may carry")
    async def catalogue(self) -> list[PermissionResponse]:
        return [
            PermissionResponse(name=name, description=description)
            for name, description in permission_catalogue().items()
        ]

    @get(
        "/colleges/{college_id:uuid}/roles",
        summary="The college's role → permission mapping",
        responses=problems(403),
    )
    @inject
    async def mapping(
        self,
        college_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetRoleMapping],
    ) -> list[RolePermissionsResponse]:
        return [
            RolePermissionsResponse.from_domain(m) for m in await use_case(principal, college_id)
        ]

    @put(
        "/colleges/{college_id:uuid}/roles/{role:str}/permissions",
        summary="Replace a role's permissions in this college (college admin, audited)",
        responses=problems(403),
    )
    @inject
    async def set_permissions(
        self,
        college_id: FromPath[UUID],
        role: CustomizableRole,
        data: JSONBody[SetPermissionsRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[SetRolePermissions],
    ) -> RolePermissionsResponse:
        mapping = await use_case(principal, college_id, role, data.permissions)
        return RolePermissionsResponse.from_domain(mapping)

    @delete(
        "/colleges/{college_id:uuid}/roles/{role:str}/permissions",
        status_code=200,
        summary="Reset a role to the default permissions (college admin, audited)",
        responses=problems(403, 422),
    )
    @inject
    async def reset_permissions(
        self,
        college_id: FromPath[UUID],
        role: CustomizableRole,
        principal: FromDishka[Principal],
        use_case: FromDishka[ResetRolePermissions],
    ) -> RolePermissionsResponse:
        return RolePermissionsResponse.from_domain(await use_case(principal, college_id, role))

    @put(
        "/accounts/{account_id:uuid}/roles",
        summary="Replace an account's roles (college admin, audited)",
        responses=problems(403, 409),
    )
    @inject
    async def assign_roles(
        self,
        account_id: FromPath[UUID],
        data: JSONBody[AssignRolesRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[AssignRoles],
    ) -> AccountResponse:
        account = await use_case(principal, account_id, tuple(data.roles))
        return AccountResponse.from_domain(account)
