"""Colleges and accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from uuid import UUID

from lms.auth.application.ports import AccountQuery
from lms.auth.domain.model import Account, College, LockoutPolicy
from lms_platform.kernel.pagination import Page, PageRequest
from tests.auth.unit.fakes.tables import DELETED, ById, copy, page_of


class FakeColleges(ById[College]):
    async def get_by_slug(self, slug: str) -> College | None:
        return next((copy(c) for c in self.items() if c.slug == slug), None)

    async def list_page(self, page: PageRequest) -> Page[College]:
        return page_of([copy(c) for c in sorted(self.items(), key=lambda c: c.slug)], page)


class FakeAccounts(ById[Account]):
    async def get_by_email(self, college_id: UUID, email: str) -> Account | None:
        return next(
            (copy(a) for a in self.items() if a.college_id == college_id and a.email == email),
            None,
        )

    async def count_login_attempt(
        self, account_id: UUID, now: datetime, policy: LockoutPolicy
    ) -> tuple[Account, bool] | None:
        account = await self.get(account_id)
        if account is None:
            return None
        if account.locked_for(now) is not None:
            return account, False
        account.login_failed(now, policy)
        self.table.pending[account.id] = copy(account)
        return account, True

    async def clear_login_failures(self, account_id: UUID, now: datetime) -> Account | None:
        account = await self.get(account_id)
        if account is not None and account.login_succeeded(now):
            self.table.pending[account.id] = copy(account)
        return account

    async def search(self, query: AccountQuery, page: PageRequest) -> Page[Account]:
        q = (query.q or "").lower()

        def matches(a: Account) -> bool:
            return (
                a.college_id == query.college_id
                and (not q or a.email.startswith(q) or (a.display_name or "").lower().startswith(q))
                and (query.role is None or query.role in a.roles)
                and (query.status is None or a.status == query.status)
            )

        field = query.sort.value.lstrip("-")
        found = sorted(
            (a for a in self.items() if matches(a)),
            key=lambda a: (getattr(a, field) or "", a.id),
            reverse=query.sort.value.startswith("-"),
        )
        return page_of([copy(a) for a in found], page)

    async def get_many(self, account_ids: Sequence[UUID]) -> list[Account]:
        visible = self.table.visible()
        return [copy(visible[i]) for i in account_ids if i in visible]

    async def existing_emails(self, college_id: UUID, emails: Sequence[str]) -> set[str]:
        return {a.email for a in self.items() if a.college_id == college_id and a.email in emails}

    async def delete(self, account: Account) -> None:
        assert account.id in self.table.visible(), f"no row {account.id}"
        self.table.pending[account.id] = DELETED

    async def stream_college(
        self, college_id: UUID, batch_size: int
    ) -> AsyncIterator[list[Account]]:
        found = sorted(
            (a for a in self.items() if a.college_id == college_id), key=lambda a: (a.email, a.id)
        )
        for start in range(0, len(found), batch_size):
            yield [copy(a) for a in found[start : start + batch_size]]
