"""This service's copies of assignments and late policies, from the assignment service's events:
the highest version wins, so duplicates, replays and reordering leave the copy as it should be."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from lms.submission.application.ports import SubmissionUnitOfWork


class KeepAssignment:
    def __init__(self, uow: SubmissionUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: str, snapshot: dict[str, Any], *, deleted: bool) -> bool:
        kept = await self._uow.copies.keep_assignment(tenant_id, snapshot, deleted)
        await self._uow.commit()
        return kept


class KeepLatePolicy:
    def __init__(self, uow: SubmissionUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, tenant_id: str, course_id: UUID, version: int, policy: dict[str, Any], at: datetime
    ) -> bool:
        kept = await self._uow.copies.keep_policy(tenant_id, course_id, version, policy, at)
        await self._uow.commit()
        return kept
