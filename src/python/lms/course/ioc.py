"""The course service's dishka providers: each port bound to its adapter
(``provide(Impl, provides=Port)``), and the use cases. The platform runtime adds the engine,
sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import Sequence

from dishka import AnyOf, Provider, Scope, provide

from lms.course.adapters.persistence.unit_of_work import CourseSqlAlchemyUnitOfWork
from lms.course.application import (
    content,
    courses,
    enrollment_changes,
    memberships,
    sections,
    terms,
    user_directory,
)
from lms.course.application.enrolling import BulkEnroll, BulkLimits, Enroll
from lms.course.application.ports import CatalogueStore, ContentStore, EnrollmentStore, RosterStore
from lms.course.application.roster_import import (
    GetRosterImport,
    ImportQueueSignal,
    RosterLimits,
    RunRosterBatch,
    StartRosterImport,
)
from lms.course.config import CourseSettings
from lms_platform.runtime import JobWakeup


class CourseAdaptersProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: CourseSettings) -> None:
        super().__init__()
        self._settings = settings

    # One unit of work per request, seen by each flow as the store it needs.
    unit_of_work = provide(
        CourseSqlAlchemyUnitOfWork,
        provides=AnyOf[
            CourseSqlAlchemyUnitOfWork, CatalogueStore, EnrollmentStore, ContentStore, RosterStore
        ],
        scope=Scope.REQUEST,
    )

    wakeup = provide(JobWakeup, provides=AnyOf[JobWakeup, ImportQueueSignal])

    @provide
    def bulk_limits(self) -> BulkLimits:
        return BulkLimits(max_items=self._settings.bulk_max_items)

    @provide
    def roster_limits(self) -> RosterLimits:
        s = self._settings
        return RosterLimits(
            max_bytes=s.roster_max_bytes, max_rows=s.roster_max_rows, batch_size=s.roster_batch_size
        )


class CourseUseCasesProvider(Provider):
    scope = Scope.REQUEST
    catalogue = (
        provide(terms.CreateTerm) + provide(terms.ListTerms)
        + provide(terms.CreateBatch) + provide(terms.ListBatches)
        + provide(courses.CreateCourse) + provide(courses.GetCourse) + provide(courses.ListCourses)
        + provide(courses.UpdateCourse) + provide(courses.DeleteCourse)
        + provide(sections.CreateSection) + provide(sections.GetSection)
        + provide(sections.ListSections) + provide(sections.ListCourseSections)
        + provide(sections.UpdateSection)
    )  # fmt: skip
    enrollments = (
        provide(Enroll) + provide(BulkEnroll)
        + provide(enrollment_changes.ChangeEnrollment) + provide(enrollment_changes.DropEnrollment)
        + provide(memberships.SectionRoster) + provide(memberships.MyCourses)
        + provide(memberships.EnrollmentFeed)
        + provide(user_directory.ApplyUserSnapshot) + provide(user_directory.ForgetUser)
    )  # fmt: skip
    content = (
        provide(content.ListModules) + provide(content.CreateModule) + provide(content.UpdateModule)
        + provide(content.DeleteModule) + provide(content.CreateItem) + provide(content.UpdateItem)
        + provide(content.DeleteItem) + provide(content.ReorderItems)
    )  # fmt: skip
    roster = provide(StartRosterImport) + provide(GetRosterImport) + provide(RunRosterBatch)


def providers(settings: CourseSettings) -> Sequence[Provider]:
    return [CourseAdaptersProvider(settings), CourseUseCasesProvider()]
