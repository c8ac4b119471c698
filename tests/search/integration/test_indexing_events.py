"""Indexing from the real topics: duplicates and out-of-order delivery leave the index as a
clean run leaves it; a malformed event goes to the DLQ and does not block what follows."""

from __future__ import annotations

import random
from collections.abc import Callable

import msgspec
from aiokafka import AIOKafkaConsumer, TopicPartition

from lms.search.adapters.messaging.consumers import index_group
from lms.search.config import SearchSettings
from lms.search.main import SERVICE
from lms_platform.messaging import Envelope
from lms_platform.security.testing import TokenFactory
from lms_platform.testing import consume_all
from lms_platform.testing.services import RunningService, running_service
from tests.search.integration.conftest import COLLEGE
from tests.search.integration.events import (
    assignment_event,
    course_event,
    enrollment_event,
    eventually,
    new_id,
    note_deleted,
    note_event,
    note_share,
    note_shared,
    publish,
    publish_raw,
    user_deleted,
    user_event,
)
from tests.search.integration.index_dump import dump
from tests.search.integration.world import admin, ids, search


def history() -> dict[str, list[Envelope]]:
    """Several versions of a few aggregates per topic, in the order their owners wrote them."""
    course, gone, assignment, user, section = new_id(), new_id(), new_id(), new_id(), new_id()
    note, gone_note, owner, friend = new_id(), new_id(), new_id(), new_id()
    to_friend = note_share(new_id(), "user", friend)
    to_section = note_share(new_id(), "section", section)
    return {
        "course": [
            course_event(COLLEGE, course, title="Draft title", status="draft", version=1),
            course_event(COLLEGE, course, title="Better title", status="draft", version=2),
            course_event(COLLEGE, course, title="Final title", status="published", version=3),
            course_event(COLLEGE, gone, title="Soon gone", version=1),
            course_event(COLLEGE, gone, title="Soon gone", version=2, event_type="course.deleted"),
        ],
        "assignment": [
            assignment_event(COLLEGE, assignment, course_id=course, title="A1", status="draft"),
            assignment_event(COLLEGE, assignment, course_id=course, title="A2", version=2),
        ],
        "user": [
            user_event(COLLEGE, user, name="First Name", email="u@a.edu"),
            user_event(COLLEGE, user, name="Second Name", email="u@a.edu", version=2),
            user_deleted(COLLEGE, user),
        ],
        # Shares carry no note version: only a merge that ignores order gets this right.
        "note": [
            note_event(COLLEGE, note, owner_id=owner, title="Note v1"),
            note_shared(COLLEGE, note, owner_id=owner, share=to_friend),
            note_event(COLLEGE, note, owner_id=owner, title="Note v2", version=2,
                       shares=[to_friend]),
            note_shared(COLLEGE, note, owner_id=owner, share=to_section),
            note_shared(COLLEGE, note, owner_id=owner, share=to_friend, revoked=True),
            note_event(COLLEGE, note, owner_id=owner, title="Note v3", version=3,
                       shares=[to_section]),
            note_event(COLLEGE, gone_note, owner_id=owner, title="Soon gone note"),
            note_deleted(COLLEGE, gone_note, owner_id=owner, version=1),
        ],
        "enrollment": [
            enrollment_event(COLLEGE, new_id(), user_id=user, section_id=section,
                             course_id=course),
        ],  # fmt: skip
    }


async def feed(service: RunningService[SearchSettings], events: dict[str, list[Envelope]]) -> None:
    prefix = service.settings.kafka_topic_prefix
    for topic, envelopes in events.items():
        await publish(service.settings.kafka_bootstrap_servers, f"{prefix}{topic}", envelopes)


async def settled(service: RunningService[SearchSettings], expected: int) -> None:
    """Every envelope recorded as processed, and every record (duplicates too) committed."""
    await eventually(
        lambda: service.scalar("SELECT count(*) FROM processed_messages"),
        lambda n: n >= expected,
        timeout=30,
    )
    await eventually(lambda: unconsumed(service), lambda n: n == 0, timeout=30)


async def unconsumed(service: RunningService[SearchSettings]) -> int:
    """Records on the service's topics past its consumer group's committed offsets."""
    settings = service.settings
    behind, partitions = 0, 0
    indexed = ("course", "assignment", "user", "note")
    groups = {topic: index_group(settings, topic) for topic in indexed}
    groups["enrollment"] = settings.consumer_group_id  # the platform's membership consumer
    for topic, group in groups.items():
        # Reads the group's committed offsets without joining it (Tansu has no admin OffsetFetch).
        consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            group_id=group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            await consumer.topics()  # loads the metadata partitions_for_topic reads
            name = f"{settings.kafka_topic_prefix}{topic}"
            owned = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
            partitions += len(owned)
            for tp, end in (await consumer.end_offsets(owned)).items():
                behind += end - ((await consumer.committed(tp)) or 0)
        finally:
            await consumer.stop()
    assert partitions == 6 + 6 + 6 + 6 + 12, partitions
    return behind


async def test_duplicates_and_out_of_order_events_leave_the_index_as_a_clean_run(
    make_search_settings: Callable[[], SearchSettings], tokens: TokenFactory
) -> None:
    events = history()
    distinct = sum(len(v) for v in events.values())
    shuffled = random.Random(7)
    messy: dict[str, list[Envelope]] = {}
    for topic, envelopes in events.items():
        # Every event twice, and the whole stream out of order (a replay from the DLQ).
        twice = envelopes + envelopes
        shuffled.shuffle(twice)
        messy[topic] = twice

    clean_settings, messy_settings = make_search_settings(), make_search_settings()
    async with running_service(SERVICE, clean_settings, tokens=tokens) as clean:
        await feed(clean, events)
        await settled(clean, distinct)
    async with running_service(SERVICE, messy_settings, tokens=tokens) as replayed:
        await feed(replayed, messy)
        await settled(replayed, distinct)
        # Each envelope id applied once; the second delivery was a recorded duplicate.
        assert await replayed.scalar("SELECT count(*) FROM processed_messages") == distinct

    clean_index, messy_index = await dump(clean_settings), await dump(messy_settings)
    assert messy_index == clean_index
    titles = {d["id"]: (d.get("title"), d["deleted"], d["version"]) for d in clean_index["course"]}
    assert sorted(titles.values()) == [("Final title", False, 3), ("Soon gone", True, 2)]
    (user,) = clean_index["user"]
    assert user["deleted"] is True  # the deletion is final, whatever order the events came in
    notes = {d["title"]: d for d in clean_index["note"]}
    assert sorted(notes) == ["Note v3", "Soon gone note"]
    assert notes["Soon gone note"]["deleted"] is True
    assert notes["Note v3"]["shared_user_ids"] == []  # revoked, whatever came later
    assert len(notes["Note v3"]["shared_section_ids"]) == 1  # the share that was not revoked


async def test_a_malformed_event_is_dead_lettered_and_later_events_are_indexed(
    search_service: RunningService[SearchSettings],
) -> None:
    prefix = search_service.settings.kafka_topic_prefix
    bootstrap = search_service.settings.kafka_bootstrap_servers
    topic = f"{prefix}course"
    broken_id, good_id = new_id(), new_id()
    await publish_raw(bootstrap, topic, b"{not an envelope", key=broken_id.encode())
    wrong_shape = msgspec.structs.replace(
        course_event(COLLEGE, broken_id, title="x"), data=msgspec.Raw(b'{"course": {"id": 1}}')
    )
    await publish(bootstrap, topic, [wrong_shape, course_event(COLLEGE, good_id, title="Good one")])

    found = await eventually(
        lambda: search(search_service, admin(search_service), types=["course"]),
        lambda r: r["total"] >= 1,
    )
    assert ids(found) == {good_id}
    dead = await consume_all(bootstrap, f"{topic}.dlq", expected=2, timeout=15, linger=0.5)
    assert len(dead) == 2
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["x-dlq-original-topic"] == topic
        assert "x-dlq-error" in headers
