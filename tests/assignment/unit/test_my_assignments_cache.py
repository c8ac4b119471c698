"""A student's computed list is reused only while nothing it depends on changed: the
assignments' revision (any edit, override, new or deleted assignment), the student's sections,
and the clock passing an unlock."""

from __future__ import annotations

from lms.assignment.application.creating import NewAssignment
from lms.assignment.application.my_assignments import MyAssignments
from lms_platform.kernel.grading import AssignmentDates, OverrideTarget
from lms_platform.kernel.pagination import CursorPageRequest
from lms_platform.kernel.principal import Principal
from tests.assignment.unit.builders import COLLEGE, COURSE, SECTION_B, STUDENT, content, day
from tests.assignment.unit.conftest import OTHER_STUDENT, World
from tests.assignment.unit.fakes import FakeDueLists, FakeReader


async def _create(world: World, who: Principal, title: str, **fields: object):
    new = NewAssignment(course_id=COURSE, content=content(title=title, **fields), publish=True)
    return await world.create()(who, new)


def _mine(world: World, reader: FakeReader, cache: FakeDueLists) -> MyAssignments:
    return MyAssignments(reader, world.memberships, world.clock, cache)


async def _titles(use_case: MyAssignments, student: Principal) -> list[str]:
    page = await use_case(student, CursorPageRequest())
    return [v.assignment.content.title for v in page.items]


async def test_a_hit_reads_only_the_page(
    world: World, instructor: Principal, student: Principal
) -> None:
    await _create(world, instructor, "One")
    reader, cache = FakeReader(world.store), FakeDueLists()
    mine = _mine(world, reader, cache)
    assert await _titles(mine, student) == ["One"]
    assert await _titles(mine, student) == ["One"]
    assert reader.student_reads == 1 and len(cache.entries) == 1


async def test_every_change_is_seen_at_once(
    world: World, instructor: Principal, student: Principal
) -> None:
    first = await _create(world, instructor, "One")
    reader, cache = FakeReader(world.store), FakeDueLists()
    mine = _mine(world, reader, cache)
    assert await _titles(mine, student) == ["One"]

    await world.patch()(instructor, first.id, {"title": "Renamed"})
    assert await _titles(mine, student) == ["Renamed"]
    await world.add_override()(
        instructor, first.id, OverrideTarget.STUDENT, STUDENT, {"due_at": day(8), "lock_at": day(9)}
    )
    page = await mine(student, CursorPageRequest())
    assert page.items[0].dates.due_at == day(8)
    second = await _create(world, instructor, "Two", dates=AssignmentDates(due_at=day(2)))
    assert await _titles(mine, student) == ["Two", "Renamed"]
    await world.delete()(instructor, second.id)
    assert await _titles(mine, student) == ["Renamed"]
    assert reader.student_reads == 5


async def test_new_sections_and_the_clock_are_seen(
    world: World, instructor: Principal, student: Principal
) -> None:
    await _create(world, instructor, "For B", section_ids=(SECTION_B,))
    await _create(
        world, instructor, "Later", dates=AssignmentDates(unlock_at=day(3), due_at=day(6))
    )
    reader, cache = FakeReader(world.store), FakeDueLists()
    mine = _mine(world, reader, cache)
    assert await _titles(mine, student) == []  # day 1: "Later" is still locked
    world.memberships.enroll(STUDENT, SECTION_B, COURSE)
    assert await _titles(mine, student) == ["For B"]
    world.clock.current = day(3)  # "Later" unlocks by itself
    assert await _titles(mine, student) == ["Later", "For B"]
    assert reader.student_reads == 3


async def test_students_do_not_share_entries(
    world: World, instructor: Principal, student: Principal, other_student: Principal
) -> None:
    await _create(world, instructor, "For all")
    await world.add_override()(
        instructor,
        (await _create(world, instructor, "Own dates")).id,
        OverrideTarget.STUDENT,
        STUDENT,
        {"due_at": day(2)},
    )
    cache = FakeDueLists()
    mine = _mine(world, FakeReader(world.store), cache)
    assert await _titles(mine, student) == ["Own dates", "For all"]
    assert await _titles(mine, other_student) == ["For all", "Own dates"]
    assert set(cache.entries) == {(COLLEGE, STUDENT), (COLLEGE, OTHER_STUDENT)}


async def test_a_clock_behind_the_entry_recomputes(
    world: World, instructor: Principal, student: Principal
) -> None:
    """Replicas' clocks differ a little: an entry computed "later" than this replica's now
    may already show an unlock that has not happened here."""
    await _create(world, instructor, "One", dates=AssignmentDates(unlock_at=day(1), due_at=day(6)))
    world.clock.current = day(2)
    reader, cache = FakeReader(world.store), FakeDueLists()
    mine = _mine(world, reader, cache)
    assert await _titles(mine, student) == ["One"]
    world.clock.current = day(0)
    assert await _titles(mine, student) == []
    assert reader.student_reads == 2


async def test_announced_details_show_once_unlocked(
    world: World, instructor: Principal, student: Principal
) -> None:
    await _create(
        world,
        instructor,
        "Announced",
        announce_before_unlock=True,
        dates=AssignmentDates(unlock_at=day(3), due_at=day(6)),
    )
    reader, cache = FakeReader(world.store), FakeDueLists()
    mine = _mine(world, reader, cache)
    [before] = (await mine(student, CursorPageRequest())).items
    assert before.details_hidden
    world.clock.current = day(3)
    [after] = (await mine(student, CursorPageRequest())).items
    assert not after.details_hidden and reader.student_reads == 2
