"""The audit log and the college role mappings."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms.auth.application.ports import AuditQuery
from lms.auth.domain.audit import AuditAction, AuditEntry
from lms_platform.kernel.pagination import Page, PageRequest
from tests.auth.unit.fakes.tables import DELETED, Table, page_of

_FILTERS = ("college_id", "action", "outcome", "actor_id", "target_id")


class FakeAuditLog:
    def __init__(self) -> None:
        self.table = Table()

    def add(self, entry: AuditEntry) -> None:
        self.table.pending[entry.id] = entry

    async def search(self, query: AuditQuery, page: PageRequest) -> Page[AuditEntry]:
        def matches(entry: AuditEntry) -> bool:
            wanted = ((name, getattr(query, name)) for name in _FILTERS)
            return all(value is None or getattr(entry, name) == value for name, value in wanted)

        found = [e for e in self.table.committed.values() if matches(e)]
        return page_of(sorted(found, key=lambda e: e.occurred_at, reverse=True), page)

    def actions(self) -> list[AuditAction]:
        return [entry.action for entry in self.table.committed.values()]

    def of(self, action: AuditAction) -> list[AuditEntry]:
        """The committed entries of one action, oldest first."""
        return [entry for entry in self.table.committed.values() if entry.action is action]


class FakeRolePermissions:
    """Rows keyed by (college, role); a removed override is a pending delete."""

    def __init__(self) -> None:
        self.table = Table()

    async def overrides(self, college_id: UUID) -> dict[str, frozenset[str]]:
        return {
            role: p for (college, role), p in self.table.visible().items() if college == college_id
        }

    async def put(
        self,
        college_id: UUID,
        role: str,
        permissions: frozenset[str],
        now: datetime,
        actor_id: UUID | None,
    ) -> None:
        self.table.pending[(college_id, role)] = permissions

    async def remove(self, college_id: UUID, role: str) -> bool:
        existed = (college_id, role) in self.table.visible()
        self.table.pending[(college_id, role)] = DELETED
        return existed
