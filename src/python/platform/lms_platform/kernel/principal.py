"""Who is calling: the identity the security adapter derives from a verified token."""

from __future__ import annotations

from dataclasses import dataclass, field

from lms_platform.kernel.roles import Role


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    tenant_id: str
    roles: frozenset[str] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)
    token_id: str | None = None

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.roles

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def is_super_admin(self) -> bool:
        return Role.SUPER_ADMIN in self.roles

    def is_admin_of(self, tenant_id: str) -> bool:
        """College admins administer their own college; super admins administer every college."""
        if self.is_super_admin:
            return True
        return Role.COLLEGE_ADMIN in self.roles and self.tenant_id == tenant_id

    def can_see_tenant(self, tenant_id: str) -> bool:
        return self.is_super_admin or self.tenant_id == tenant_id
