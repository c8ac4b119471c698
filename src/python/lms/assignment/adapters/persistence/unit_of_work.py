"""The assignment service's unit of work: its repositories on one session and transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms.assignment.adapters.persistence.repositories import (
    SqlAssignmentRepository,
    SqlKnownCourseRepository,
    SqlLatePolicyRepository,
)
from lms_platform.persistence.unit_of_work import EventStager, SqlAlchemyUnitOfWork


class AssignmentSqlAlchemyUnitOfWork(SqlAlchemyUnitOfWork):
    def __init__(self, session: AsyncSession, events: EventStager) -> None:
        super().__init__(session, events)
        self.assignments = SqlAssignmentRepository(session)
        self.late_policies = SqlLatePolicyRepository(session)
        self.courses = SqlKnownCourseRepository(session)
