"""The live channel per user, against the two real processes: platform events published with a
plain aiokafka producer (as the assignment, submission and notification services publish them)
reach, as ``live`` events, every socket of the people concerned, on both transports and both
processes, and nobody else: not another section, another student, a dropped student, or the
same user id in another college. A duplicated event is pushed once, a stale one not at all; a
bad payload goes to the topic's dead-letter topic and is pushed to nobody."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from redis.asyncio import Redis

from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.messaging import Envelope, decode_envelope, encode_envelope, new_envelope
from lms_platform.testing.servers import RedisServer
from tests.chat.integration.clients import NativeClient, SocketClient
from tests.chat.integration.conftest import ChatCluster, Enrollments

Client = SocketClient | NativeClient


class Platform:
    """Publishes platform events on Kafka and waits until chat's consumer settled them."""

    def __init__(self, chat: ChatCluster, producer: AIOKafkaProducer) -> None:
        self._chat, self._producer = chat, producer

    async def send(self, topic: str, envelope: Envelope, key: str | None = None) -> None:
        """``key`` (the subject by default) picks the partition: records of one key are
        consumed in order, so waiting for a later one waits for an earlier one too."""
        await self._producer.send_and_wait(
            f"{self._chat.namespace}{topic}", encode_envelope(envelope),
            key=(key or envelope.subject).encode(),
        )  # fmt: skip

    async def publish(
        self, topic: str, envelope: Envelope, key: str | None = None, timeout: float = 60.0
    ) -> None:
        """Sends ``envelope`` and waits for its ``processed_messages`` row (the push is done
        before that row commits)."""
        await self.send(topic, envelope, key)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self._chat.scalar(
                "SELECT count(*) FROM processed_messages WHERE message_id = $1", envelope.id
            ):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"chat did not settle {envelope.type} {envelope.id} in {timeout} s")


@pytest.fixture
async def platform(chat: ChatCluster) -> AsyncIterator[Platform]:
    producer = AIOKafkaProducer(bootstrap_servers=chat.kafka_bootstrap)
    await producer.start()
    try:
        yield Platform(chat, producer)
    finally:
        await producer.stop()


def assignment_published(
    college: str, course: uuid.UUID, sections: list[uuid.UUID], *, title: str = "Essay 1",
    unlock_at: datetime | None = None, announce_before_unlock: bool = False,
) -> Envelope:  # fmt: skip
    assignment = uuid.uuid4()
    due = datetime(2027, 1, 15, 23, 59, tzinfo=UTC)
    return new_envelope(
        "assignment.published", "assignment", str(assignment), college,
        {"assignment": {
            "id": str(assignment), "course_id": str(course),
            "section_ids": [str(s) for s in sections], "title": title, "status": "published",
            "description": "not pushed", "unlock_at": unlock_at.isoformat() if unlock_at else None,
            "due_at": due.isoformat(), "announce_before_unlock": announce_before_unlock,
            "version": 2,
        }, "changed_fields": ["status"]},
    )  # fmt: skip


def grade_posted(
    college: str, course: uuid.UUID, student: uuid.UUID, *, time: datetime | None = None
) -> Envelope:
    submission, assignment = uuid.uuid4(), uuid.uuid4()
    return new_envelope(
        "grade.posted", "submission", str(submission), college,
        {"submission": {
            "id": str(submission), "assignment_id": str(assignment), "course_id": str(course),
            "student_id": str(student), "state": "graded", "score": 17.5, "grade": "B",
            "posted_at": "2026-12-02T10:00:00+00:00", "version": 4,
        }}, time=time,
    )  # fmt: skip


def in_app_created(college: str, user: uuid.UUID) -> Envelope:
    notification = uuid.uuid4()
    return new_envelope(
        "notification.in_app_created", "notification", str(notification), college,
        {"notification": {
            "id": str(notification), "user_id": str(user), "kind": "assignment_published",
            "subject": "New assignment", "body_text": "Essay 1 is out.",
            "created_at": "2026-12-02T10:00:00+00:00",
        }},
    )  # fmt: skip


def lives(client: Client) -> list[dict[str, Any]]:
    return list(client.named("live"))


def ids(client: Client) -> list[str]:
    return [frame["id"] for frame in lives(client)]


async def received(clients: list[Client], event_id: str, timeout: float = 15.0) -> None:
    for client in clients:
        try:
            await client.wait_for(lambda c=client: event_id in ids(c), timeout)
        except TimeoutError:
            raise AssertionError(f"{event_id} did not reach {client}: {client.events}") from None


async def settle() -> None:
    await asyncio.sleep(1.0)  # a copy, or a frame for someone else, would have arrived by now


@pytest.fixture
async def school(
    chat: ChatCluster, enrollments: Enrollments, college: str, other_college: str
) -> dict[str, uuid.UUID]:
    """A course with sections ``s1`` and ``s2``: students ``ada`` (s1) and ``bob`` (s2), the
    instructor ``tia`` (s1), the observer ``oli`` (s1), ``dan`` dropped from s1. In another
    college, the same ids: ada enrolled in a section and course with the same ids."""
    ids = {n: uuid.uuid4() for n in ("course", "s1", "s2", "ada", "bob", "tia", "oli", "dan")}
    course, s1, s2 = ids["course"], ids["s1"], ids["s2"]
    await enrollments.put(college, ids["ada"], course, s1)
    await enrollments.put(college, ids["bob"], course, s2)
    await enrollments.put(college, ids["tia"], course, s1, role=SectionRole.INSTRUCTOR)
    await enrollments.put(college, ids["oli"], course, s1, role=SectionRole.OBSERVER)
    await enrollments.put(college, ids["dan"], course, s1)
    await enrollments.put(college, ids["dan"], course, s1, state=EnrollmentState.DROPPED)
    await enrollments.put(other_college, ids["ada"], course, s1, enrollment=uuid.uuid4())
    return ids


async def test_assignment_published_reaches_every_socket_of_its_sections_people_only(
    chat: ChatCluster, platform: Platform, college: str, other_college: str,
    school: dict[str, uuid.UUID],
) -> None:  # fmt: skip
    token = lambda name, c=college: chat.token(school[name], c)  # noqa: E731
    ada_sio = SocketClient(chat.a.base_url, token("ada"))
    ada_ws = NativeClient(chat.b.base_url, token("ada"))  # the same person, another process
    bob = NativeClient(chat.a.base_url, token("bob"))
    tia = SocketClient(chat.b.base_url, token("tia"), ["polling"])
    oli = NativeClient(chat.b.base_url, token("oli"))
    dan = SocketClient(chat.a.base_url, token("dan"))
    ada_elsewhere = NativeClient(chat.b.base_url, token("ada", other_college))
    everyone: list[Client] = [ada_sio, ada_ws, bob, tia, oli, dan, ada_elsewhere]
    await asyncio.gather(*(c.connect() for c in everyone))
    try:
        # To section s1: its active student and its instructor, on every socket they have.
        first = assignment_published(college, school["course"], [school["s1"]])
        await platform.publish("assignment", first)
        await received([ada_sio, ada_ws, tia], first.id)
        # The same event again (a producer retry, a replay): settled, pushed to nobody.
        await platform.send("assignment", first)
        # The same course in another college: only that college's people get it. On the
        # duplicate's partition, after it: once it is pushed, the duplicate was settled.
        foreign = assignment_published(other_college, school["course"], [school["s1"]])
        await platform.publish("assignment", foreign, key=first.subject)
        await received([ada_elsewhere], foreign.id)
        await settle()
        for client in (ada_sio, ada_ws, tia):
            assert ids(client) == [first.id], lives(client)
        for client in (bob, oli, dan):
            assert lives(client) == []
        assert ids(ada_elsewhere) == [foreign.id]

        frame = lives(ada_ws)[0]
        assert lives(ada_sio)[0] == frame  # the same frame on both transports
        assert frame["kind"] == "assignment_published"
        assert frame["data"] == {
            "assignment_id": first.subject, "course_id": str(school["course"]),
            "section_ids": [str(school["s1"])], "title": "Essay 1", "unlock_at": None,
            "due_at": "2027-01-15T23:59:00Z",
        }  # fmt: skip
        assert datetime.fromisoformat(frame["occurred_at"]) == first.time

        # No section named: every section of the course.
        whole = assignment_published(college, school["course"], [], title="Quiz")
        await platform.publish("assignment", whole)
        await received([ada_sio, ada_ws, bob, tia], whole.id)
        # Not unlocked yet and not announced: staff only, students hear nothing yet.
        later = datetime.now(UTC) + timedelta(days=3)
        hidden = assignment_published(college, school["course"], [], unlock_at=later)
        await platform.publish("assignment", hidden)
        await received([tia], hidden.id)
        await settle()
        assert ids(tia) == [first.id, whole.id, hidden.id]
        assert ids(bob) == [whole.id]
        for client in (ada_sio, ada_ws):
            assert ids(client) == [first.id, whole.id]
        for client in (oli, dan):
            assert lives(client) == []
        assert ids(ada_elsewhere) == [foreign.id]
    finally:
        await asyncio.gather(*(c.__aexit__() for c in everyone))


async def test_a_grade_goes_to_its_student_and_a_notification_to_its_user_only(
    chat: ChatCluster, platform: Platform, college: str, other_college: str,
    school: dict[str, uuid.UUID],
) -> None:  # fmt: skip
    ada_sio = SocketClient(chat.b.base_url, chat.token(school["ada"], college))
    ada_ws = NativeClient(chat.a.base_url, chat.token(school["ada"], college))
    bob_sio = SocketClient(chat.a.base_url, chat.token(school["bob"], college))
    bob_ws = NativeClient(chat.b.base_url, chat.token(school["bob"], college))
    tia = NativeClient(chat.a.base_url, chat.token(school["tia"], college))
    ada_elsewhere = SocketClient(chat.a.base_url, chat.token(school["ada"], other_college))
    everyone: list[Client] = [ada_sio, ada_ws, bob_sio, bob_ws, tia, ada_elsewhere]
    await asyncio.gather(*(c.connect() for c in everyone))
    try:
        # An hour old (a consumer catching up on a backlog): not live any more, pushed to nobody.
        old = grade_posted(
            college, school["course"], school["ada"], time=datetime.now(UTC) - timedelta(hours=1)
        )
        await platform.publish("grade", old)
        grade = grade_posted(college, school["course"], school["ada"])
        await platform.publish("grade", grade)
        await received([ada_sio, ada_ws], grade.id)
        notice = in_app_created(college, school["bob"])
        await platform.publish("notification", notice)
        await received([bob_sio, bob_ws], notice.id)
        await platform.send("notification", notice)  # a duplicate
        after = in_app_created(college, school["tia"])  # on its partition, after it
        await platform.publish("notification", after, key=notice.subject)
        await received([tia], after.id)
        await settle()
        for client in (ada_sio, ada_ws):
            assert ids(client) == [grade.id]
        for client in (bob_sio, bob_ws):
            assert ids(client) == [notice.id]
        assert ids(tia) == [after.id]
        assert lives(ada_elsewhere) == []

        submission = grade.data_as(dict)["submission"]
        assert lives(ada_ws)[0]["kind"] == "grade_posted"
        assert lives(ada_ws)[0]["data"] == {
            "submission_id": submission["id"], "assignment_id": submission["assignment_id"],
            "course_id": str(school["course"]), "posted_at": "2026-12-02T10:00:00Z",
        }  # ids and times, never the score  # fmt: skip
        assert lives(bob_sio)[0]["kind"] == "notification"
        assert lives(bob_sio)[0]["data"] == {
            "id": notice.subject, "user_id": str(school["bob"]), "kind": "assignment_published",
            "subject": "New assignment", "body_text": "Essay 1 is out.",
            "created_at": "2026-12-02T10:00:00Z",
        }  # fmt: skip
    finally:
        await asyncio.gather(*(c.__aexit__() for c in everyone))


async def dead_letters(chat: ChatCluster, topic: str, event_id: str, timeout: float = 60.0) -> Any:
    consumer = AIOKafkaConsumer(
        f"{chat.namespace}{topic}.dlq", bootstrap_servers=chat.kafka_bootstrap, group_id=None,
        auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=100,
    )  # fmt: skip
    await consumer.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for record in records:
                    if decode_envelope(record.value).id == event_id:
                        return record
        raise AssertionError(f"{event_id} did not reach {topic}.dlq in {timeout} s")
    finally:
        await consumer.stop()


def with_data(envelope: Envelope, data: Any) -> Envelope:
    return msgspec.structs.replace(envelope, data=msgspec.Raw(msgspec.json.encode(data)))


def bad_grade(college: str, s: dict[str, uuid.UUID]) -> Envelope:
    good = grade_posted(college, s["course"], s["ada"])
    return with_data(good, {"submission": {"id": good.subject, "student_id": "not a uuid"}})


def assignment_of_no_college(college: str, s: dict[str, uuid.UUID]) -> Envelope:
    return msgspec.structs.replace(
        assignment_published(college, s["course"], [s["s1"]]), tenant=None
    )


def notification_for_nobody(college: str, s: dict[str, uuid.UUID]) -> Envelope:
    good = in_app_created(college, s["ada"])
    return with_data(good, {"notification": {**_notification(good), "user_id": ""}})


def _notification(envelope: Envelope) -> dict[str, Any]:
    return dict(envelope.data_as(dict)["notification"])


@pytest.mark.parametrize(
    ("topic", "bad"),
    [("grade", bad_grade), ("assignment", assignment_of_no_college),
     ("notification", notification_for_nobody)],
    ids=["grade-of-no-student", "assignment-of-no-college", "notification-for-nobody"],
)  # fmt: skip
async def test_a_bad_payload_goes_to_the_dead_letter_topic_and_to_nobody(
    chat: ChatCluster, platform: Platform, college: str, school: dict[str, uuid.UUID],
    topic: str, bad: Any,
) -> None:  # fmt: skip
    envelope: Envelope = bad(college, school)
    async with NativeClient(chat.a.base_url, chat.token(school["ada"], college)) as ada:
        await platform.send(topic, envelope)
        record = await dead_letters(chat, topic, envelope.id)
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["x-dlq-original-topic"] == f"{chat.namespace}{topic}"
        assert headers["x-dlq-error-type"].endswith(".EnvelopeDecodeError")
        assert headers["x-dlq-attempts"] == "1"  # no retry can fix it
        # The consumer goes on: the next good event is pushed.
        good = grade_posted(college, school["course"], school["ada"])
        await platform.publish("grade", good)
        await ada.wait_for(lambda: good.id in ids(ada))
        assert ids(ada) == [good.id]


async def test_a_process_watches_a_users_channel_only_while_it_holds_their_socket(
    chat: ChatCluster, college: str, school: dict[str, uuid.UUID], redis_server: RedisServer
) -> None:
    redis = Redis.from_url(redis_server.url_for_db(3))
    channel = f"chat:{college}:user:{school['ada']}"

    async def watchers() -> int:
        return int(dict(await redis.pubsub_numsub(channel))[channel.encode()])

    try:
        first = SocketClient(chat.a.base_url, chat.token(school["ada"], college))
        second = NativeClient(chat.a.base_url, chat.token(school["ada"], college))
        third = NativeClient(chat.b.base_url, chat.token(school["ada"], college))
        await first.connect()
        await second.connect()
        await third.connect()
        await asyncio.sleep(0.2)
        assert await watchers() == 2  # one subscription per process, however many sockets
        await first.sio.disconnect()
        await third.__aexit__()
        await asyncio.sleep(0.5)
        assert await watchers() == 1
        await second.__aexit__()
        await asyncio.sleep(0.5)
        assert await watchers() == 0
    finally:
        await redis.aclose()
