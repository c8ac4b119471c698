"""One fake unit of work holding every fake repository; each flow sees only its own port."""

from __future__ import annotations

from lms_platform.kernel.events import DomainEvent
from tests.auth.unit.fakes.accounts import FakeAccounts, FakeColleges
from tests.auth.unit.fakes.api_keys import FakeApiKeys, FakeImportJobs
from tests.auth.unit.fakes.audit import FakeAuditLog, FakeRolePermissions
from tests.auth.unit.fakes.credentials import (
    FakeCredentialTokens,
    FakeResetQueue,
)
from tests.auth.unit.fakes.tables import Table
from tests.auth.unit.fakes.tokens import FakeRefreshTokens


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.colleges = FakeColleges()
        self.accounts = FakeAccounts()
        self.refresh_tokens = FakeRefreshTokens()
        self.audit_log = FakeAuditLog()
        self.imports = FakeImportJobs()
        self.api_keys = FakeApiKeys()
        self.role_permissions = FakeRolePermissions()
        self.credential_tokens = FakeCredentialTokens()
        self.reset_requests = FakeResetQueue()
        self.events: list[DomainEvent] = []  # committed events, in order
        self._pending_events: list[DomainEvent] = []
        self.commits = 0

    def _tables(self) -> list[Table]:
        repositories = (
            self.colleges,
            self.accounts,
            self.refresh_tokens,
            self.audit_log,
            self.imports,
            self.api_keys,
            self.role_permissions,
            self.credential_tokens,
            self.reset_requests,
        )
        return [r.table for r in repositories] + [self.imports.rows_table]

    @property
    def account_events(self) -> list[DomainEvent]:
        """The committed events other services consume, without the ``audit.*`` copies."""
        return [event for event in self.events if event.topic != "audit"]

    def record(self, event: DomainEvent) -> None:
        self._pending_events.append(event)

    async def commit(self) -> None:
        for table in self._tables():
            table.commit()
        self.events.extend(self._pending_events)
        self._pending_events.clear()
        self.commits += 1

    async def rollback(self) -> None:
        for table in self._tables():
            table.pending.clear()
        self._pending_events.clear()
