"""The course service's unit of work: every repository on the request's session, one
transaction with the outbox."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lms.course.adapters.persistence.catalogue_repository import (
    SqlAlchemyBatches,
    SqlAlchemyCourses,
    SqlAlchemySections,
    SqlAlchemyTerms,
)
from lms.course.adapters.persistence.content_repository import SqlAlchemyContent
from lms.course.adapters.persistence.enrollment_repository import (
    SqlAlchemyEnrollments,
    SqlAlchemyUserDirectory,
)
from lms.course.adapters.persistence.roster_repository import (
    SqlAlchemyRosterImports,
    SqlAlchemySourceLinks,
)
from lms_platform.persistence.unit_of_work import EventStager, SqlAlchemyUnitOfWork


class CourseSqlAlchemyUnitOfWork(SqlAlchemyUnitOfWork):
    def __init__(self, session: AsyncSession, events: EventStager) -> None:
        super().__init__(session, events)
        self.terms = SqlAlchemyTerms(session)
        self.batches = SqlAlchemyBatches(session)
        self.courses = SqlAlchemyCourses(session)
        self.sections = SqlAlchemySections(session)
        self.enrollments = SqlAlchemyEnrollments(session)
        self.users = SqlAlchemyUserDirectory(session)
        self.content = SqlAlchemyContent(session)
        self.imports = SqlAlchemyRosterImports(session)
        self.sources = SqlAlchemySourceLinks(session)
