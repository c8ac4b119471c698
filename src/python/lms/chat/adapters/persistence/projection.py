"""The platform's membership projection as the chat's ``MembershipProjection`` port."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.membership import EnrollmentSnapshot, MembershipChange, apply_enrollment


class SqlMembershipProjection:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, tenant_id: str, snapshot: object) -> MembershipChange | None:
        assert isinstance(snapshot, EnrollmentSnapshot)
        return await apply_enrollment(self._session, tenant_id, snapshot)
