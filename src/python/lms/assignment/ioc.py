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
from lms_platform.kernel.ports import Clock
from lms_platform.membership import RequestMembershipReader, SqlMembershipReader


class AssignmentAdaptersProvider(Provider):
    reader = provide(SqlAssignmentReader, provides=AssignmentReader, scope=Scope.APP)
    unit_of_work = provide(
        AssignmentSqlAlchemyUnitOfWork, provides=AssignmentUnitOfWork, scope=Scope.REQUEST
    )

    @provide(scope=Scope.REQUEST)
    def memberships(
        self, session: AsyncSession, sessions: async_sessionmaker[AsyncSession]
    ) -> MembershipReader:
        # For the commands: in the request's transaction if one is open, never a second
        # connection (docs/memberships.md).
        return RequestMembershipReader(session, sessions)


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


class AssignmentQueriesProvider(Provider):
    """The queries read in short sessions of their own (``SqlAssignmentReader``) and never open
    the request's, so their memberships are read the same way, and they are built once."""

    scope = Scope.APP

    @provide
    def short_memberships(self, sessions: async_sessionmaker[AsyncSession]) -> SqlMembershipReader:
        return SqlMembershipReader(sessions)

    @provide
    def get_assignment(
        self, reader: AssignmentReader, memberships: SqlMembershipReader, clock: Clock
    ) -> GetAssignment:
        return GetAssignment(reader, memberships, clock)

    @provide
    def list_overrides(
        self, reader: AssignmentReader, memberships: SqlMembershipReader, clock: Clock
    ) -> ListOverrides:
        return ListOverrides(reader, memberships, clock)

    @provide
    def get_late_policy(
        self, reader: AssignmentReader, memberships: SqlMembershipReader, clock: Clock
    ) -> GetLatePolicy:
        return GetLatePolicy(reader, memberships, clock)

    @provide
    def preview_late_policy(
        self, reader: AssignmentReader, memberships: SqlMembershipReader, clock: Clock
    ) -> PreviewLatePolicy:
        return PreviewLatePolicy(reader, memberships, clock)

    @provide
    def list_assignments(
        self, reader: AssignmentReader, memberships: SqlMembershipReader, clock: Clock
    ) -> ListAssignments:
        return ListAssignments(reader, memberships, clock)

    @provide
    def my_assignments(
        self,
        reader: AssignmentReader,
        memberships: SqlMembershipReader,
        clock: Clock,
        cache: DueListCache,
    ) -> MyAssignments:
        return MyAssignments(reader, memberships, clock, cache)


class AssignmentCommandsProvider(Provider):
    scope = Scope.REQUEST
    commands = (
        provide(CreateAssignment)
        + provide(ReplaceAssignment)
        + provide(PatchAssignment)
        + provide(DeleteAssignment)
        + provide(AddOverride)
        + provide(ChangeOverride)
        + provide(RemoveOverride)
        + provide(SetLatePolicy)
        + provide(ApplyCourseSnapshot)
    )


def providers(settings: AssignmentSettings) -> Sequence[Provider]:
    # Without Redis (a bare local run) every student's list is computed.
    due_lists: Provider = DueListsInRedisProvider(settings)
    if not settings.redis_url:
        due_lists = Provider(scope=Scope.APP)
        due_lists.provide(NoDueLists, provides=DueListCache)
    return [
        AssignmentAdaptersProvider(),
        due_lists,
        AssignmentQueriesProvider(),
        AssignmentCommandsProvider(),
    ]
