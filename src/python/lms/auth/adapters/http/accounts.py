"""Account administration over HTTP: list, read, change, delete, bulk update and delete, and
the CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Stream

from lms.auth.adapters.http.schemas import AccountResponse, NewEmail, RoleName
from lms.auth.application.accounts import (
    UNCHANGED,
    AccountChanges,
    DeleteAccount,
    ExportAccounts,
    GetAccount,
    ListAccounts,
    UpdateAccount,
)
from lms.auth.application.bulk import (
    BulkChange,
    BulkDeleteAccounts,
    BulkReport,
    BulkUpdateAccounts,
)
from lms.auth.application.ports import AccountQuery, AccountSort
from lms.auth.domain.csv_rows import ROLE_SEPARATOR, neutralize_cell
from lms.auth.domain.model import Account, AccountStatus
from lms_platform.http.openapi import documented, problems
from lms_platform.http.pagination import (
    OffsetQuery,
    PageResponse,
    page_request,
    to_page_response,
)
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT
from lms_platform.kernel.principal import Principal

# A hard cap while decoding; the configured limit (bulk_max_items) is checked by the use case,
# and the schema tells its default.
_BULK_SCHEMA_CAP = 10_000
_BULK_DEFAULT_LIMIT = 500  # AuthSettings.bulk_max_items' default
AccountIds = Annotated[
    list[UUID],
    msgspec.Meta(max_length=_BULK_SCHEMA_CAP),
    documented(min_items=1, max_items=_BULK_DEFAULT_LIMIT),
]
EXPORT_COLUMNS = ("id", "email", "display_name", "roles", "status", "created_at")


class UpdateAccountRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Only the fields sent change; ``display_name: null`` clears it."""

    email: NewEmail | msgspec.UnsetType = msgspec.UNSET
    display_name: Annotated[str, msgspec.Meta(max_length=100)] | None | msgspec.UnsetType = (
        msgspec.UNSET
    )


class BulkSet(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    roles: Annotated[list[RoleName], msgspec.Meta(min_length=1, max_length=5)] | None = None
    active: bool | None = None


class BulkUpdateRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    account_ids: AccountIds
    set_: BulkSet = msgspec.field(name="set")


class BulkDeleteRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    account_ids: AccountIds


class BulkItemResponse(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: UUID
    outcome: str
    reason: str | None = None


class BulkReportResponse(msgspec.Struct, kw_only=True):
    counts: dict[str, int]
    items: list[BulkItemResponse]

    @classmethod
    def from_report(cls, report: BulkReport) -> BulkReportResponse:
        return cls(
            counts=report.counts,
            items=[
                BulkItemResponse(id=i.id, outcome=i.outcome.value, reason=i.reason)
                for i in report.items
            ],
        )


def _csv_line(cells: list[str]) -> str:
    buffer = io.StringIO()
    # Every cell quoted and formula-looking ones prefixed with ': a spreadsheet shows text.
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(
        [neutralize_cell(cell) for cell in cells]
    )
    return buffer.getvalue()


def _export_cells(account: Account) -> list[str]:
    return [
        str(account.id),
        account.email,
        account.display_name or "",
        ROLE_SEPARATOR.join(account.roles),
        account.status.value,
        account.created_at.isoformat(),
    ]


async def _csv_document(batches: AsyncIterator[list[Account]]) -> AsyncIterator[str]:
    yield _csv_line(list(EXPORT_COLUMNS))
    async for batch in batches:
        yield "".join(_csv_line(_export_cells(account)) for account in batch)


class AccountsController(Controller):
    tags = ["accounts"]

    @get(
        "/colleges/{college_id:uuid}/accounts",
        summary="List a college's accounts (admin)",
        responses=problems(403),
    )
    @inject
    async def list_accounts(
        self,
        college_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ListAccounts],
        q: Annotated[str | None, QueryParameter(min_length=1, max_length=254)] = None,
        role: FromQuery[RoleName | None] = None,
        status: FromQuery[AccountStatus | None] = None,
        sort: FromQuery[AccountSort] = AccountSort.EMAIL,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: OffsetQuery = 0,
    ) -> PageResponse[AccountResponse]:
        query = AccountQuery(college_id=college_id, q=q, role=role, status=status, sort=sort)
        page = await use_case(principal, query, page_request(limit, offset))
        return to_page_response(page, AccountResponse.from_domain)

    @get(
        "/accounts/{account_id:uuid}",
        summary="Read an account (admin, or the account itself)",
        responses=problems(403),
    )
    @inject
    async def get_account(
        self,
        account_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[GetAccount],
    ) -> AccountResponse:
        return AccountResponse.from_domain(await use_case(principal, account_id))

    @patch(
        "/accounts/{account_id:uuid}",
        summary="Change an account's email or display name",
        responses=problems(403, 409),
    )
    @inject
    async def update_account(
        self,
        account_id: FromPath[UUID],
        data: JSONBody[UpdateAccountRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[UpdateAccount],
    ) -> AccountResponse:
        changes = AccountChanges(
            email=UNCHANGED if data.email is msgspec.UNSET else data.email,
            display_name=UNCHANGED if data.display_name is msgspec.UNSET else data.display_name,
        )
        return AccountResponse.from_domain(await use_case(principal, account_id, changes))

    @delete(
        "/accounts/{account_id:uuid}",
        status_code=204,
        summary="Delete an account for good, with its refresh tokens (admin)",
        responses=problems(403, 409),
    )
    @inject
    async def delete_account(
        self,
        account_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[DeleteAccount],
    ) -> None:
        await use_case(principal, account_id)

    @post(
        "/colleges/{college_id:uuid}/accounts/bulk-update",
        status_code=200,
        summary="Set roles and/or activation on many accounts; a per-item report",
        responses=problems(403),
    )
    @inject
    async def bulk_update(
        self,
        college_id: FromPath[UUID],
        data: JSONBody[BulkUpdateRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[BulkUpdateAccounts],
    ) -> BulkReportResponse:
        change = BulkChange(
            roles=tuple(data.set_.roles) if data.set_.roles is not None else None,
            active=data.set_.active,
        )
        report = await use_case(principal, college_id, data.account_ids, change)
        return BulkReportResponse.from_report(report)

    @post(
        "/colleges/{college_id:uuid}/accounts/bulk-delete",
        status_code=200,
        summary="Delete many accounts; a per-item report",
        responses=problems(403),
    )
    @inject
    async def bulk_delete(
        self,
        college_id: FromPath[UUID],
        data: JSONBody[BulkDeleteRequest],
        principal: FromDishka[Principal],
        use_case: FromDishka[BulkDeleteAccounts],
    ) -> BulkReportResponse:
        report = await use_case(principal, college_id, data.account_ids)
        return BulkReportResponse.from_report(report)

    @get(
        "/colleges/{college_id:uuid}/accounts.csv",
        summary="Export a college's accounts as CSV (formula-safe cells)",
        media_type="text/csv",
        responses=problems(403),
    )
    @inject
    async def export_csv(
        self,
        college_id: FromPath[UUID],
        principal: FromDishka[Principal],
        use_case: FromDishka[ExportAccounts],
    ) -> Stream:
        college, batches = await use_case(principal, college_id)
        headers: dict[str, Any] = {
            "Content-Disposition": f'attachment; filename="accounts-{college.slug}.csv"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        return Stream(_csv_document(batches), media_type="text/csv; charset=utf-8", headers=headers)
