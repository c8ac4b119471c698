"""The chat service's dishka providers: each port bound to its adapter
(``provide(Impl, provides=Port)``), and the use cases. The platform runtime adds the engine,
sessions, Redis, clock, ids and the outbox stager."""

from __future__ import annotations

from collections.abc import Sequence

from dishka import AnyOf, Provider, Scope, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.chat.adapters.persistence.message_log import GroupCommitLog
from lms.chat.adapters.persistence.projection import SqlMembershipProjection
from lms.chat.adapters.persistence.store import SqlChatStore
from lms.chat.adapters.realtime.fanout import RedisFanout, RedisRateLimiter
from lms.chat.application.access import RoomGate
from lms.chat.application.changes import DeleteMessage, EditMessage
from lms.chat.application.enrollments import ApplyEnrollment, MembershipProjection
from lms.chat.application.history import CatchUp, MarkRead, RoomHistory
from lms.chat.application.live import LiveLimits, PushLive
from lms.chat.application.moderation import MuteMember
from lms.chat.application.ports import ChatStore, LiveFanout, MessageLog, RateLimiter
from lms.chat.application.posting import PostLimits, PostMessage
from lms.chat.application.rooms import CreateConversation, MyRooms
from lms.chat.config import ChatSettings
from lms_platform.kernel.membership import MembershipReader
from lms_platform.membership import RequestMembershipReader
from lms_platform.persistence.unit_of_work import EventStager


class ChatAdaptersProvider(Provider):
    scope = Scope.APP

    def __init__(self, settings: ChatSettings) -> None:
        super().__init__()
        self._settings = settings

    store = provide(SqlChatStore, provides=AnyOf[SqlChatStore, ChatStore], scope=Scope.REQUEST)
    projection = provide(
        SqlMembershipProjection, provides=MembershipProjection, scope=Scope.REQUEST
    )

    @provide(scope=Scope.REQUEST)
    def memberships(
        self, session: AsyncSession, sessions: async_sessionmaker[AsyncSession]
    ) -> MembershipReader:
        return RequestMembershipReader(session, sessions)  # one pooled connection per request

    @provide
    def message_log(
        self, sessions: async_sessionmaker[AsyncSession], events: EventStager
    ) -> MessageLog:
        return GroupCommitLog(sessions, events)  # one per process: its posts share transactions

    @provide
    def fanout(self, redis: Redis) -> LiveFanout:
        return RedisFanout(redis)

    @provide
    def limiter(self, redis: Redis) -> RateLimiter:
        return RedisRateLimiter(redis)

    @provide
    def post_limits(self) -> PostLimits:
        s = self._settings
        return PostLimits(
            messages_per_window=s.messages_per_window, window_seconds=s.rate_window_seconds
        )

    @provide
    def live_limits(self) -> LiveLimits:
        return LiveLimits(max_age_seconds=self._settings.live_max_age_seconds)


class ChatUseCasesProvider(Provider):
    scope = Scope.REQUEST
    gate = provide(RoomGate)
    rooms = provide(MyRooms) + provide(CreateConversation)
    messages = provide(PostMessage) + provide(EditMessage) + provide(DeleteMessage)
    reading = provide(RoomHistory) + provide(CatchUp) + provide(MarkRead) + provide(MuteMember)
    enrollments = provide(ApplyEnrollment)
    live = provide(PushLive)


def providers(settings: ChatSettings) -> Sequence[Provider]:
    return [ChatAdaptersProvider(settings), ChatUseCasesProvider()]
