"""Visibility against the real servers: events in through Kafka, queries over HTTP, the index
in the Elasticsearch-API server. A student finds only what they may open, and counts and
pages agree with that."""

from __future__ import annotations

from lms.search.config import SearchSettings
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import OTHER_COLLEGE
from tests.search.integration.events import eventually, publish
from tests.search.integration.world import (
    World,
    admin,
    build,
    ids,
    search,
    student,
    teacher,
)


async def test_a_student_finds_assignments_only_while_enrolled(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    me = student(search_service, world.student)
    before = await search(search_service, me, types=["assignment"])
    assert before["total"] == 0 and before["items"] == []

    enrollment_topic = f"{search_service.settings.kafka_topic_prefix}enrollment"
    bootstrap = search_service.settings.kafka_bootstrap_servers
    await publish(bootstrap, enrollment_topic, [world.enrol()])
    enrolled = await eventually(
        lambda: search(search_service, me, types=["assignment"]), lambda r: r["total"] > 0
    )
    # Not the unpublished one, not the other section's, not the one still locked.
    assert ids(enrolled) == world.visible_to_student
    assert enrolled["total"] == len(world.visible_to_student)

    await publish(bootstrap, enrollment_topic, [world.enrol(state="dropped", version=2)])
    dropped = await eventually(
        lambda: search(search_service, me, types=["assignment"]), lambda r: r["total"] == 0
    )
    assert dropped["items"] == []


async def test_demo_finds_demonstration_101_of_the_own_college_only(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    me = student(search_service, world.student)
    result = await search(search_service, me, query="demo", types=["course"])
    assert ids(result) == {world.course}  # not the draft, not the other college's course
    (hit,) = result["items"]
    assert hit["fields"]["title"] == "Demonstration 101"
    assert "<mark>" in hit["highlight"]["title"][0]

    other = await search(search_service, admin(search_service, OTHER_COLLEGE), query="demo")
    assert ids(other) == {world.other_college_course}


async def test_a_typo_still_finds_the_course(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    result = await search(
        search_service, student(search_service, world.student), query="demonstartion"
    )
    assert world.course in ids(result)


async def test_counts_pages_and_facets_agree_with_what_is_visible(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    bootstrap = search_service.settings.kafka_bootstrap_servers
    await publish(
        bootstrap, f"{search_service.settings.kafka_topic_prefix}enrollment", [world.enrol()]
    )
    me = student(search_service, world.student)
    await eventually(
        lambda: search(search_service, me, types=["assignment"]), lambda r: r["total"] == 2
    )
    everything = await search(
        search_service, me, facets={"assignment": ["status"], "course": ["status"]}
    )
    expected = (  # the instructor of the student's section too (a classmate: docs, "users")
        world.visible_to_student
        | {world.course, world.student, world.teacher}
        | world.notes_of_enrolled_student
    )
    assert ids(everything) == expected
    assert everything["total"] == len(expected)
    assert everything["facets"]["assignment"]["status"] == [{"value": "published", "count": 2}]
    assert everything["facets"]["course"]["status"] == [{"value": "published", "count": 1}]

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        body = {"page_size": 1, **({"cursor": cursor} if cursor else {})}
        page = await search(search_service, me, **body)
        assert page["total"] == len(expected)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(expected)  # every visible hit once, nothing else


async def test_staff_find_drafts_of_their_course_and_the_college_users(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    staff = teacher(search_service, world.teacher)
    found = await eventually(
        lambda: search(search_service, staff, types=["assignment"]), lambda r: r["total"] == 5
    )
    assert world.unpublished in ids(found)
    users = await search(search_service, staff, types=["user"])
    assert ids(users) == {world.student, world.teacher}
    # A student finds no one but themselves.
    alone = await search(search_service, student(search_service, world.student), types=["user"])
    assert ids(alone) == {world.student}
