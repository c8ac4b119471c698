"""This service's copy of each course's grading scheme, from the course service's events: the
highest course version wins, so duplicates, replays and reordering leave the copy as it should
be."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lms.submission.application.ports import SubmissionUnitOfWork
from lms_platform.kernel.grading import GradingScheme


class KeepCourseScheme:
    def __init__(self, uow: SubmissionUnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        tenant_id: str,
        course_id: UUID,
        version: int,
        scheme: GradingScheme | None,
        at: datetime,
    ) -> bool:
        kept = await self._uow.schemes.keep(tenant_id, course_id, version, scheme, at)
        await self._uow.commit()
        return kept
