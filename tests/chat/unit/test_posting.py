"""``PostMessage`` with fakes: what is checked before a post reaches the message log (room,
mute, rate limit, an earlier client id), and that the request's connection is given back
before the log is waited for."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from lms.chat.application.access import RoomGate
from lms.chat.application.errors import Muted, NotAllowed, RateLimited, RoomNotFound
from lms.chat.application.ports import Appended, PostingView
from lms.chat.application.posting import PostLimits, PostMessage
from lms.chat.domain.events import MessagePosted
from lms.chat.domain.messages import Message
from lms.chat.domain.rooms import Room, section_room
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.events import DomainEvent
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole
from lms_platform.kernel.principal import Principal

T = "college-a"
COURSE, SECTION, ADA = (uuid.uuid4() for _ in range(3))
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ROOM = section_room(T, COURSE, SECTION)
ADA_P = Principal(str(ADA), T, frozenset({"student"}), frozenset({"chat:participate"}))


class FakeStore:
    def __init__(self, room: Room | None, muted_until: datetime | None = None,
                 earlier: Message | None = None) -> None:  # fmt: skip
        self.view = None if room is None else PostingView(
            room, muted_until, earlier.id if earlier else None
        )  # fmt: skip
        self.earlier, self.released = earlier, False

    async def posting_view(self, tenant_id: str, room_id: uuid.UUID, sender_id: uuid.UUID,
                           client_id: str | None) -> PostingView | None:  # fmt: skip
        assert sender_id == ADA
        return self.view if self.view and (tenant_id, room_id) == (T, ROOM.id) else None

    async def message(self, tenant_id: str, message_id: uuid.UUID) -> Message | None:
        return self.earlier

    async def rollback(self) -> None:
        self.released = True


class FakeMemberships:
    def __init__(self, roles: dict[uuid.UUID, SectionRole]) -> None:
        self._roles = roles

    async def of_user(self, tenant_id: str, user_id: uuid.UUID) -> list[Membership]:
        role = self._roles.get(user_id)
        if role is None:
            return []
        return [Membership(tenant_id, user_id, SECTION, COURSE, role, EnrollmentState.ACTIVE)]


class FakeLog:
    def __init__(self, store: FakeStore) -> None:
        self.appended: list[tuple[Message, list[DomainEvent]]] = []
        self._store = store

    async def append(
        self, draft: Message, events: Callable[[Message], Sequence[DomainEvent]]
    ) -> Appended:
        assert self._store.released, "the request's connection is held while waiting"
        stored = replace(draft, seq=len(self.appended) + 1)
        self.appended.append((stored, list(events(stored))))
        return Appended(stored, duplicate=False)


class FakeFanout:
    def __init__(self) -> None:
        self.sent: list[Message] = []

    async def message(self, message: Message) -> None:
        self.sent.append(message)


class FakeLimiter:
    def __init__(self, allow: bool = True) -> None:
        self.allowed, self.calls = allow, 0

    async def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        self.calls += 1
        return self.allowed


class FixedClock:
    def now(self) -> datetime:
        return NOW


class Ids:
    def new_id(self) -> uuid.UUID:
        return uuid.uuid4()


def post_use_case(
    store: FakeStore, limiter: FakeLimiter | None = None,
    roles: dict[uuid.UUID, SectionRole] | None = None,
) -> tuple[PostMessage, FakeLog, FakeFanout]:  # fmt: skip
    log, fanout = FakeLog(store), FakeFanout()
    memberships = FakeMemberships({ADA: SectionRole.STUDENT} if roles is None else roles)
    gate = RoomGate(store, memberships)  # type: ignore[arg-type]
    use_case = PostMessage(
        store, gate, log, fanout, limiter or FakeLimiter(), FixedClock(), Ids(), PostLimits()  # type: ignore[arg-type]
    )
    return use_case, log, fanout


async def test_a_post_goes_to_the_log_with_its_event_then_out() -> None:
    store = FakeStore(ROOM)
    post, log, fanout = post_use_case(store)
    posted = await post(ADA_P, ROOM.id, "  hello  ", "c-1")
    assert not posted.duplicate and posted.message.body == "hello" and posted.message.seq == 1
    ((stored, events),) = log.appended
    assert isinstance(events[0], MessagePosted) and events[0].seq == 1 and events[0].body is None
    assert fanout.sent == [stored] == [posted.message]


async def test_a_muted_sender_is_refused_before_the_log() -> None:
    post, log, fanout = post_use_case(FakeStore(ROOM, muted_until=NOW + timedelta(minutes=5)))
    with pytest.raises(Muted):
        await post(ADA_P, ROOM.id, "hello")
    assert log.appended == [] and fanout.sent == []


async def test_a_mute_that_ended_lets_the_post_through() -> None:
    post, log, _ = post_use_case(FakeStore(ROOM, muted_until=NOW - timedelta(seconds=1)))
    await post(ADA_P, ROOM.id, "hello")
    assert len(log.appended) == 1


async def test_the_rate_limit_refuses_before_the_log() -> None:
    limiter = FakeLimiter(allow=False)
    post, log, fanout = post_use_case(FakeStore(ROOM), limiter)
    with pytest.raises(RateLimited):
        await post(ADA_P, ROOM.id, "hello")
    assert limiter.calls == 1 and log.appended == [] and fanout.sent == []


async def test_a_resend_of_a_stored_client_id_is_the_first_message_and_not_limited() -> None:
    earlier = Message(uuid.uuid4(), ROOM.id, T, 7, ADA, "first", NOW, client_id="c-1")
    limiter = FakeLimiter(allow=False)
    post, log, fanout = post_use_case(FakeStore(ROOM, earlier=earlier), limiter)
    posted = await post(ADA_P, ROOM.id, "first", "c-1")
    assert posted.duplicate and posted.message == earlier
    assert limiter.calls == 0 and log.appended == [] and fanout.sent == []


@pytest.mark.parametrize(
    ("room", "roles", "error"),
    [
        (None, None, RoomNotFound),  # another college's room, or none
        (ROOM, {}, NotAllowed),  # not a member
        (ROOM, {ADA: SectionRole.OBSERVER}, NotAllowed),  # reads, never posts
    ],
)
async def test_refused_posts_never_reach_the_log(
    room: Room | None, roles: dict[uuid.UUID, SectionRole] | None, error: type[Exception]
) -> None:
    post, log, _ = post_use_case(FakeStore(room), roles=roles)
    with pytest.raises(error):
        await post(ADA_P, ROOM.id, "hello")
    assert log.appended == []


@pytest.mark.parametrize(("body", "client_id"), [("   ", None), ("x" * 4001, None), ("ok", "")])
async def test_bad_input_is_refused_before_anything_is_read(
    body: str, client_id: str | None
) -> None:
    post, log, _ = post_use_case(FakeStore(ROOM))
    with pytest.raises(InvalidInput):
        await post(ADA_P, ROOM.id, body, client_id)
    assert log.appended == []
