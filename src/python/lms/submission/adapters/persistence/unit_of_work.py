"""The submission service's unit of work: the repositories on the request's session, one
transaction with the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms.submission.adapters.persistence.repositories import (
    SqlAssignmentCopies,
    SqlRubrics,
    SqlSubmissions,
    SqlUploads,
)
from lms.submission.adapters.persistence.scheme_repository import SqlCourseSchemes
from lms.submission.adapters.persistence.student_names import SqlStudentNames
from lms_platform.persistence.unit_of_work import EventStager, SqlAlchemyUnitOfWork


class SubmissionSqlAlchemyUnitOfWork(SqlAlchemyUnitOfWork):
    def __init__(self, session: AsyncSession, events: EventStager) -> None:
        super().__init__(session, events)
        self.uploads = SqlUploads(session)
        self.submissions = SqlSubmissions(session)
        self.copies = SqlAssignmentCopies(session)
        self.rubrics = SqlRubrics(session)
        self.names = SqlStudentNames(session)
        self.schemes = SqlCourseSchemes(session)
