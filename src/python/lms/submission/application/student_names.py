"""Students' names, kept from the user service's events (this service never calls it), only to
name the folders of an assignment's zip: the highest profile version wins, so duplicates,
replays and reordering leave the name as it should be; ``user.deleted`` forgets the name for
good (a late ``user.created`` cannot bring it back)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms.submission.application.ports import SubmissionUnitOfWork


class KeepStudentName:
    def __init__(self, uow: SubmissionUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self, tenant_id: str, user_id: UUID, display_name: str, version: int
    ) -> bool:
        kept = await self._uow.names.keep(tenant_id, user_id, display_name, version)
        await self._uow.commit()  # the consumer's dedup record too, kept or not
        return kept


class ForgetStudentName:
    def __init__(self, uow: SubmissionUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, tenant_id: str, user_id: UUID, deleted_at: datetime) -> bool:
        forgotten = await self._uow.names.forget(tenant_id, user_id, deleted_at)
        await self._uow.commit()
        return forgotten
