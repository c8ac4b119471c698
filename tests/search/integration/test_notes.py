"""Notes through the real topics: produced with a plain Kafka client, found by their owner and
those they are shared with only; a revoked share or a dropped enrollment ends it; an older
version never overwrites a newer one; another college finds nothing."""

from __future__ import annotations

from lms.search.config import SearchSettings
from lms_platform.testing.services import RunningService
from tests.search.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.search.integration.events import (
    eventually,
    new_id,
    note_deleted,
    note_event,
    note_share,
    note_shared,
    publish,
)
from tests.search.integration.world import World, admin, build, ids, search, student, teacher


def _topics(service: RunningService[SearchSettings]) -> tuple[str, str]:
    return service.settings.kafka_bootstrap_servers, service.settings.kafka_topic_prefix


async def test_a_student_finds_their_notes_and_those_shared_with_them_only(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    me = student(search_service, world.student)
    mine = await search(search_service, me, types=["note"])
    assert ids(mine) == {world.my_note, world.shared_with_me}  # not enrolled yet
    assert mine["total"] == 2

    found = await search(search_service, me, query="demo", types=["note"])
    assert ids(found) == {world.my_note}  # not the teacher's private "demo" note
    (hit,) = found["items"]
    assert "<mark>" in hit["highlight"]["title"][0]
    assert hit["fields"]["shared"] is False and "shared_user_ids" not in hit["fields"]
    partial = await search_service.client.get(
        "/search/notes", params={"q": "partial", "tag": "revision"}, headers=me
    )
    assert partial.status_code == 200, partial.text
    assert ids(partial.json()) == {world.my_note}  # a word of the body, and the tag filter

    bootstrap, prefix = _topics(search_service)
    await publish(bootstrap, f"{prefix}enrollment", [world.enrol()])
    enrolled = await eventually(
        lambda: search(search_service, me, types=["note"]), lambda r: r["total"] == 4
    )
    assert ids(enrolled) == world.notes_of_enrolled_student
    await publish(bootstrap, f"{prefix}enrollment", [world.enrol(state="dropped", version=2)])
    dropped = await eventually(
        lambda: search(search_service, me, types=["note"]), lambda r: r["total"] == 2
    )
    assert ids(dropped) == {world.my_note, world.shared_with_me}


async def test_a_revoked_share_is_no_longer_found(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    bootstrap, prefix = _topics(search_service)
    share = note_share(world.user_share, "user", world.student)
    await publish(
        bootstrap,
        f"{prefix}note",
        [note_shared(COLLEGE, world.shared_with_me, owner_id=world.teacher, share=share,
                     revoked=True)],
    )  # fmt: skip
    me = student(search_service, world.student)
    after = await eventually(
        lambda: search(search_service, me, types=["note"]), lambda r: r["total"] == 1
    )
    assert ids(after) == {world.my_note}
    # The owner still finds it.
    owner = teacher(search_service, world.teacher)
    assert world.shared_with_me in ids(await search(search_service, owner, types=["note"]))


async def test_an_older_version_does_not_overwrite_and_a_delete_is_final(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    bootstrap, prefix = _topics(search_service)
    me = student(search_service, world.student)
    note, s = world.my_note, world.student
    await publish(
        bootstrap,
        f"{prefix}note",
        [
            note_event(COLLEGE, note, owner_id=s, title="Third title", version=3),
            note_event(COLLEGE, note, owner_id=s, title="Second title", version=2),
            note_event(COLLEGE, note, owner_id=s, title="Second title", version=2),  # again
        ],
    )
    # Shared with the teacher after those: once the teacher finds it, they were all handled
    # (one note's events are on one partition, in order).
    to_teacher = note_share(new_id(), "user", world.teacher)
    await publish(
        bootstrap, f"{prefix}note", [note_shared(COLLEGE, note, owner_id=s, share=to_teacher)]
    )
    owner = teacher(search_service, world.teacher)
    await eventually(
        lambda: search(search_service, owner, types=["note"]), lambda r: note in ids(r)
    )
    titles = {
        item["id"]: item["fields"]["title"]
        for item in (await search(search_service, me, types=["note"]))["items"]
    }
    assert titles[note] == "Third title"

    await publish(
        bootstrap,
        f"{prefix}note",
        [
            note_deleted(COLLEGE, note, owner_id=s, version=3),
            note_event(COLLEGE, note, owner_id=s, title="Fourth title", version=4),  # too late
        ],
    )
    gone = await eventually(
        lambda: search(search_service, me, types=["note"]), lambda r: note not in ids(r)
    )
    assert ids(gone) == {world.shared_with_me}
    assert note not in ids(await search(search_service, owner, types=["note"]))


async def test_another_college_finds_nothing_of_these_notes(
    search_service: RunningService[SearchSettings],
) -> None:
    world = World()
    await build(search_service, world)
    # The same user id with another college's token: only that college's note of theirs.
    elsewhere = search_service.bearer(
        world.student, OTHER_COLLEGE, roles=("student",), permissions=("course:read",)
    )
    found = await eventually(
        lambda: search(search_service, elsewhere, types=["note"]), lambda r: r["total"] >= 1
    )
    assert ids(found) == {world.other_college_note}
    response = await search_service.client.get(
        "/search/notes", params={"q": "revision"}, headers=elsewhere
    )
    assert response.status_code == 200 and response.json()["items"] == []
    for caller in (admin(search_service, OTHER_COLLEGE), admin(search_service)):
        assert (await search(search_service, caller, types=["note"]))["total"] == 0
