"""The user service's unit of work: the profile repository on the request's session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms.user.adapters.persistence.repository import SqlAlchemyProfileRepository
from lms_platform.persistence.unit_of_work import EventStager, SqlAlchemyUnitOfWork


class UserSqlAlchemyUnitOfWork(SqlAlchemyUnitOfWork):
    def __init__(self, session: AsyncSession, events: EventStager) -> None:
        super().__init__(session, events)
        self.profiles = SqlAlchemyProfileRepository(session)
