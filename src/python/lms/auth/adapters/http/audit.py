"""``GET /audit-events``: the college's audit log, newest first, filtered and paged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka, inject
from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from lms.auth.application.audit import SearchAuditLog
from lms.auth.application.ports import AuditQuery
from lms.auth.domain.audit import AuditAction, AuditEntry, AuditOutcome
from lms_platform.http.openapi import problems
from lms_platform.http.pagination import (
    OffsetQuery,
    PageResponse,
    page_request,
    to_page_response,
)
from lms_platform.kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT
from lms_platform.kernel.principal import Principal


class AuditEntryResponse(msgspec.Struct, kw_only=True):
    id: UUID
    occurred_at: datetime
    action: str
    outcome: str
    college_id: UUID | None
    actor_id: UUID | None
    target_type: str | None
    target_id: str | None
    client_ip: str | None
    details: dict[str, Any]

    @classmethod
    def from_domain(cls, entry: AuditEntry) -> AuditEntryResponse:
        return cls(
            id=entry.id,
            occurred_at=entry.occurred_at,
            action=entry.action.value,
            outcome=entry.outcome.value,
            college_id=entry.college_id,
            actor_id=entry.actor_id,
            target_type=entry.target_type,
            target_id=entry.target_id,
            client_ip=entry.client_ip,
            details=entry.details,
        )


class AuditController(Controller):
    path = "/audit-events"
    tags = ["audit"]

    @get(
        summary="Search the audit log (college admin: own college; super admin: any)",
        responses=problems(403),
    )
    @inject
    async def search(
        self,
        principal: FromDishka[Principal],
        use_case: FromDishka[SearchAuditLog],
        college_id: FromQuery[UUID | None] = None,
        action: FromQuery[AuditAction | None] = None,
        outcome: FromQuery[AuditOutcome | None] = None,
        actor_id: FromQuery[UUID | None] = None,
        target_id: Annotated[str | None, QueryParameter(max_length=128)] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        offset: OffsetQuery = 0,
    ) -> PageResponse[AuditEntryResponse]:
        query = AuditQuery(
            college_id=college_id,
            action=action,
            outcome=outcome,
            actor_id=actor_id,
            target_id=target_id,
            since=since,
            until=until,
        )
        page = await use_case(principal, query, page_request(limit, offset))
        return to_page_response(page, AuditEntryResponse.from_domain)
