"""Account administration queries: search, batch reads, existence by email, delete, export.
Mixed into ``SqlAlchemyAccountRepository``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.auth.adapters.persistence.mappers import account_to_domain
from lms.auth.adapters.persistence.models import AccountRecord
from lms.auth.application.ports import AccountQuery, AccountSort
from lms.auth.domain.model import Account
from lms_platform.kernel.pagination import Page, PageRequest

_ORDER: dict[AccountSort, tuple[ColumnElement[Any], ...]] = {
    AccountSort.EMAIL: (AccountRecord.email.asc(),),
    AccountSort.EMAIL_DESC: (AccountRecord.email.desc(),),
    AccountSort.DISPLAY_NAME: (AccountRecord.display_name.asc().nulls_last(),),
    AccountSort.DISPLAY_NAME_DESC: (AccountRecord.display_name.desc().nulls_last(),),
    AccountSort.CREATED_AT: (AccountRecord.created_at.asc(),),
    AccountSort.CREATED_AT_DESC: (AccountRecord.created_at.desc(),),
}


def _prefix_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.lower() + "%"


def _conditions(query: AccountQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [AccountRecord.college_id == query.college_id]
    if query.q:
        pattern = _prefix_pattern(query.q)
        conditions.append(
            or_(
                AccountRecord.email.like(pattern, escape="\\"),
                func.lower(AccountRecord.display_name).like(pattern, escape="\\"),
            )
        )
    if query.role is not None:
        conditions.append(AccountRecord.roles.contains([query.role]))
    if query.status is not None:
        conditions.append(AccountRecord.status == query.status.value)
    return conditions


class AccountAdminQueries:
    _session: AsyncSession

    async def search(self, query: AccountQuery, page: PageRequest) -> Page[Account]:
        conditions = _conditions(query)
        total = await self._session.scalar(
            select(func.count()).select_from(AccountRecord).where(*conditions)
        )
        records = await self._session.scalars(
            select(AccountRecord)
            .where(*conditions)
            .order_by(*_ORDER[query.sort], AccountRecord.id.asc())
            .limit(page.limit)
            .offset(page.offset)
        )
        return Page(
            items=[account_to_domain(r) for r in records],
            total=total or 0,
            limit=page.limit,
            offset=page.offset,
        )

    async def get_many(self, account_ids: Sequence[UUID]) -> list[Account]:
        if not account_ids:
            return []
        records = await self._session.scalars(
            select(AccountRecord).where(AccountRecord.id.in_(account_ids))
        )
        return [account_to_domain(r) for r in records]

    async def existing_emails(self, college_id: UUID, emails: Sequence[str]) -> set[str]:
        if not emails:
            return set()
        found = await self._session.scalars(
            select(AccountRecord.email).where(
                AccountRecord.college_id == college_id, AccountRecord.email.in_(emails)
            )
        )
        return set(found)

    async def delete(self, account: Account) -> None:
        # Loaded in this session; the refresh tokens go by ON DELETE CASCADE.
        record = await self._session.get(AccountRecord, account.id)
        if record is None:
            raise LookupError(f"account {account.id} was not loaded in this unit of work")
        await self._session.delete(record)

    async def stream_college(
        self, college_id: UUID, batch_size: int
    ) -> AsyncIterator[list[Account]]:
        # Keyset pages on (email, id): each page is one short query, whatever the size.
        last: tuple[str, UUID] | None = None
        while True:
            statement = select(AccountRecord).where(AccountRecord.college_id == college_id)
            if last is not None:
                statement = statement.where(
                    (AccountRecord.email > last[0])
                    | ((AccountRecord.email == last[0]) & (AccountRecord.id > last[1]))
                )
            records = list(
                await self._session.scalars(
                    statement.order_by(AccountRecord.email, AccountRecord.id).limit(batch_size)
                )
            )
            if not records:
                return
            # Read-only: keep the identity map from growing with the whole college.
            for record in records:
                self._session.expunge(record)
            yield [account_to_domain(r) for r in records]
            if len(records) < batch_size:
                return
            last = (records[-1].email, records[-1].id)
