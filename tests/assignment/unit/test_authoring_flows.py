"""Creating, changing and deleting assignments: who may, what is written, which events."""

from __future__ import annotations

import uuid

import pytest

from lms.assignment.application.creating import NewAssignment
from lms.assignment.domain.assignments import AssignmentStatus
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.errors import AssignmentLocked, CourseArchived
from lms_platform.kernel.errors import NotFound, PermissionDenied, PreconditionFailed
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.assignment.unit.builders import COLLEGE, COURSE, SECTION_B, T0, content, day
from tests.assignment.unit.conftest import OUTSIDER, World, principal


async def _create(world: World, who: Principal, publish: bool = True, **fields: object):
    new = NewAssignment(course_id=COURSE, content=content(**fields), publish=publish)
    return await world.create()(who, new)


async def test_an_instructor_creates_and_both_events_go_out(
    world: World, instructor: Principal
) -> None:
    created = await _create(world, instructor)
    assert world.store.assignments[created.id].status is AssignmentStatus.PUBLISHED
    assert [e.event_type for e in world.store.events] == [
        "assignment.created",
        "assignment.published",
    ]
    assert created.created_by == instructor.user_id


async def test_a_draft_publishes_only_its_creation(world: World, instructor: Principal) -> None:
    await _create(world, instructor, publish=False)
    assert [e.event_type for e in world.store.events] == ["assignment.created"]


@pytest.mark.parametrize("who", ["ta", "student", "other_student"])
async def test_members_who_are_not_instructors_may_not_create(
    world: World, who: str, request: pytest.FixtureRequest
) -> None:
    with pytest.raises(PermissionDenied):
        await _create(world, request.getfixturevalue(who))
    assert world.store.assignments == {} and world.store.events == []


async def test_outsiders_and_other_colleges_do_not_find_the_course(world: World) -> None:
    for who in (
        principal(OUTSIDER, Role.INSTRUCTOR),
        principal(uuid.uuid4(), Role.COLLEGE_ADMIN, college="college-b"),
    ):
        with pytest.raises(NotFound):
            await _create(world, who)
    assert world.store.assignments == {}


async def test_a_college_admin_needs_a_known_course(world: World) -> None:
    admin = principal("admin", Role.COLLEGE_ADMIN)
    created = await _create(world, admin)
    assert created.course_id == COURSE
    new = NewAssignment(course_id=uuid.uuid4(), content=content())
    with pytest.raises(NotFound):
        await world.create()(admin, new)


async def test_an_archived_course_takes_no_assignment(world: World, instructor: Principal) -> None:
    world.store.courses[COURSE] = KnownCourse(
        tenant_id=COLLEGE, course_id=COURSE, status="archived", version=2, updated_at=T0
    )
    with pytest.raises(CourseArchived):
        await _create(world, instructor)


async def test_patch_reports_changes_and_publishing(world: World, instructor: Principal) -> None:
    created = await _create(world, instructor, publish=False)
    world.store.events.clear()
    patched = await world.patch()(
        instructor, created.id, {"title": "Essay one"}, AssignmentStatus.PUBLISHED, 1
    )
    assert patched.version == 3 and patched.is_published
    [event] = world.store.events
    assert event.event_type == "assignment.published"
    assert event.payload()["changed_fields"] == ["status", "title"]


async def test_nothing_changed_writes_nothing(world: World, instructor: Principal) -> None:
    created = await _create(world, instructor)
    world.store.events.clear()
    same = await world.patch()(instructor, created.id, {"title": "Essay 1"})
    assert same.version == created.version and world.store.events == []


async def test_a_stale_version_is_refused(world: World, instructor: Principal) -> None:
    created = await _create(world, instructor)
    with pytest.raises(PreconditionFailed):
        await world.patch()(instructor, created.id, {"title": "x"}, None, created.version + 1)


async def test_put_replaces_every_field(world: World, instructor: Principal) -> None:
    created = await _create(world, instructor, description="long text")
    replaced = await world.replace()(instructor, created.id, content(title="New"))
    assert replaced.content.title == "New" and replaced.content.description == ""
    assert world.store.events[-1].event_type == "assignment.updated"


async def test_students_get_403_on_what_they_see_and_404_on_what_they_do_not(
    world: World, instructor: Principal, student: Principal, other_student: Principal, ta: Principal
) -> None:
    for_a = await _create(world, instructor, section_ids=())
    with pytest.raises(PermissionDenied):
        await world.patch()(student, for_a.id, {"title": "x"})
    for_b_only = await _create(world, instructor, section_ids=(SECTION_B,))
    with pytest.raises(NotFound):
        await world.delete()(student, for_b_only.id)
    with pytest.raises(PermissionDenied):
        await world.delete()(other_student, for_b_only.id)
    with pytest.raises(PermissionDenied):
        await world.patch()(ta, for_a.id, {"title": "x"})


async def test_delete_leaves_a_tombstone_and_an_event(world: World, instructor: Principal) -> None:
    created = await _create(world, instructor)
    await world.delete()(instructor, created.id)
    assert world.store.assignments[created.id].deleted_at == day(1)
    assert world.store.events[-1].event_type == "assignment.deleted"
    with pytest.raises(NotFound):
        await world.get()(instructor, created.id)
    with pytest.raises(NotFound):
        await world.delete()(instructor, created.id)


async def test_archiving_the_course_locks_its_assignments_once(
    world: World, instructor: Principal
) -> None:
    first = await _create(world, instructor)
    await _create(world, instructor)
    world.store.events.clear()
    archived = KnownCourse(
        tenant_id=COLLEGE, course_id=COURSE, status="archived", version=5, updated_at=T0
    )
    assert await world.course_snapshot()(archived) == 2
    assert await world.course_snapshot()(archived) == 0  # again: nothing new
    assert [e.event_type for e in world.store.events] == ["assignment.updated"] * 2
    assert all(e.payload()["changed_fields"] == ["locked"] for e in world.store.events)
    with pytest.raises(AssignmentLocked):
        await world.patch()(instructor, first.id, {"title": "x"})


async def test_an_older_course_snapshot_does_not_replace_a_newer_one(world: World) -> None:
    newer = KnownCourse(
        tenant_id=COLLEGE, course_id=COURSE, status="concluded", version=3, updated_at=T0
    )
    older = KnownCourse(
        tenant_id=COLLEGE, course_id=COURSE, status="draft", version=2, updated_at=T0
    )
    await world.course_snapshot()(newer)
    await world.course_snapshot()(older)
    assert world.store.courses[COURSE].status == "concluded"
