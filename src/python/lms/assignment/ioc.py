"""The assignment service's dishka providers: each port bound to its adapter, and the use
cases. The platform runtime adds the engine, sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import Sequence

from dishka import Provider, Scope, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.assignment.adapters.cache.due_lists import NoDueLists, RedisDueLists
from lms.assignment.adapters.persistence.queries import SqlAssignmentReader
from lms.assignment.adapters.persistence.unit_of_work import AssignmentSqlAlchemyUnitOfWork
from lms.assignment.application.course_events import ApplyCourseSnapshot
from lms.assignment.application.creating import CreateAssignment
from lms.assignment.application.editing import DeleteAssignment, PatchAssignment, ReplaceAssignment
from lms.assignment.application.late_policies import GetLatePolicy, SetLatePolicy
from lms.assignment.application.listing import ListAssignments
from lms.assignment.application.my_assignments import MyAssignments
from lms.assignment.application.overriding import (
    AddOverride,
    ChangeOverride,
    ListOverrides,
    RemoveOverride,
)
from lms.assignment.application.ports import AssignmentReader, AssignmentUnitOfWork, DueListCache
from lms.assignment.application.preview import PreviewLatePolicy
from lms.assignment.application.reading import GetAssignment
from lms.assignment.config import AssignmentSettings
from lms_platform.kernel.membership import MembershipReader
from lms_platform.membership import SqlMembershipReader


class AssignmentAdaptersProvider(Provider):
    reader = provide(SqlAssignmentReader, provides=AssignmentReader, scope=Scope.APP)
    unit_of_work = provide(
        AssignmentSqlAlchemyUnitOfWork, provides=AssignmentUnitOfWork, scope=Scope.REQUEST
    )

    @provide(scope=Scope.APP)
    def memberships(self, sessions: async_sessionmaker[AsyncSession]) -> MembershipReader:
        return SqlMembershipReader(sessions)


class DueListsInRedisProvider(Provider):
    def __init__(self, settings: AssignmentSettings) -> None:
        super().__init__()
        self._settings = settings

    @provide(scope=Scope.APP)
    def due_lists(self, redis: Redis) -> DueListCache:
        return RedisDueLists(
            redis,
            service=self._settings.service_name,
            ttl_seconds=self._settings.due_list_ttl_seconds,
        )


class AssignmentUseCasesProvider(Provider):
    # Queries hold only APP-scoped parts (reader, memberships, clock): built once.
    queries = (
        provide(GetAssignment, scope=Scope.APP)
        + provide(ListOverrides, scope=Scope.APP)
        + provide(GetLatePolicy, scope=Scope.APP)
        + provide(PreviewLatePolicy, scope=Scope.APP)
        + provide(ListAssignments, scope=Scope.APP)
        + provide(MyAssignments, scope=Scope.APP)
    )
    commands = (
        provide(CreateAssignment, scope=Scope.REQUEST)
        + provide(ReplaceAssignment, scope=Scope.REQUEST)
        + provide(PatchAssignment, scope=Scope.REQUEST)
        + provide(DeleteAssignment, scope=Scope.REQUEST)
        + provide(AddOverride, scope=Scope.REQUEST)
        + provide(ChangeOverride, scope=Scope.REQUEST)
        + provide(RemoveOverride, scope=Scope.REQUEST)
        + provide(SetLatePolicy, scope=Scope.REQUEST)
        + provide(ApplyCourseSnapshot, scope=Scope.REQUEST)
    )


def providers(settings: AssignmentSettings) -> Sequence[Provider]:
    # Without Redis (a bare local run) every student's list is computed.
    due_lists: Provider = DueListsInRedisProvider(settings)
    if not settings.redis_url:
        due_lists = Provider(scope=Scope.APP)
        due_lists.provide(NoDueLists, provides=DueListCache)
    return [AssignmentAdaptersProvider(), due_lists, AssignmentUseCasesProvider()]
