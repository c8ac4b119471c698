"""Reading an assignment, its overrides, the course's late policy and a preview."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from lms.assignment.application.creating import NewAssignment
from lms.assignment.domain.assignments import Assignment
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.grading import DateSource, LatePolicy, OverrideTarget
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.assignment.unit.builders import COURSE, SECTION_A, STUDENT, content, day
from tests.assignment.unit.conftest import OUTSIDER, World, principal


async def _create(
    world: World, instructor: Principal, publish: bool = True, **fields: object
) -> Assignment:
    new = NewAssignment(course_id=COURSE, content=content(**fields), publish=publish)
    return await world.create()(instructor, new)


async def test_staff_see_drafts_students_do_not(
    world: World, instructor: Principal, ta: Principal, student: Principal
) -> None:
    draft = await _create(world, instructor, publish=False)
    assert (await world.get()(ta, draft.id)).as_staff
    with pytest.raises(NotFound):
        await world.get()(student, draft.id)


async def test_outsiders_and_other_colleges_get_404(world: World, instructor: Principal) -> None:
    published = await _create(world, instructor)
    for who in (
        principal(OUTSIDER, Role.STUDENT),
        principal(STUDENT, Role.STUDENT, college="college-b"),
    ):
        with pytest.raises(NotFound):
            await world.get()(who, published.id)


async def test_a_student_sees_their_extension(
    world: World, instructor: Principal, student: Principal
) -> None:
    published = await _create(world, instructor)
    await world.add_override()(
        instructor,
        published.id,
        OverrideTarget.STUDENT,
        STUDENT,
        {"due_at": day(8), "lock_at": day(10)},
    )
    seen = await world.get()(student, published.id)
    assert seen.dates.due_at == day(8) and seen.dates.due_source is DateSource.STUDENT
    assert not seen.as_staff and seen.student_id == STUDENT


async def test_override_changes_publish_events_and_only_staff_list_them(
    world: World, instructor: Principal, ta: Principal, student: Principal
) -> None:
    published = await _create(world, instructor)
    world.store.events.clear()
    added = await world.add_override()(
        instructor,
        published.id,
        OverrideTarget.SECTION,
        SECTION_A,
        {"due_at": day(8), "lock_at": day(9)},
    )
    await world.change_override()(instructor, published.id, added.id, {"due_at": day(9)})
    assert [o.dates for o in await world.list_overrides()(ta, published.id)] == [{"due_at": day(9)}]
    with pytest.raises(PermissionDenied):
        await world.list_overrides()(student, published.id)
    with pytest.raises(PermissionDenied):
        await world.remove_override()(ta, published.id, added.id)
    await world.remove_override()(instructor, published.id, added.id)
    changes = [(e.event_type, e.payload()["change"]) for e in world.store.events]
    assert changes == [
        ("assignment.override_changed", c) for c in ("created", "updated", "deleted")
    ]


async def test_the_late_policy_is_read_by_members_and_set_by_instructors(
    world: World, instructor: Principal, student: Principal, ta: Principal
) -> None:
    assert (await world.get_policy()(student, COURSE)).version == 0  # the default: nothing
    policy = LatePolicy(late_deduction_enabled=True, late_deduction_percent=Decimal(10))
    stored = await world.set_policy()(instructor, COURSE, policy)
    assert stored.version == 1 and (await world.get_policy()(student, COURSE)).policy == policy
    assert [e.event_type for e in world.store.events] == ["assignment.late_policy_changed"]
    again = await world.set_policy()(instructor, COURSE, policy)
    assert again.version == 1 and len(world.store.events) == 1  # unchanged: no event
    with pytest.raises(PermissionDenied):
        await world.set_policy()(ta, COURSE, LatePolicy())
    with pytest.raises(NotFound):
        await world.get_policy()(principal(OUTSIDER, Role.STUDENT), COURSE)


async def test_preview_with_the_students_dates_and_the_course_policy(
    world: World, instructor: Principal, student: Principal, other_student: Principal
) -> None:
    published = await _create(world, instructor)
    await world.set_policy()(
        instructor,
        COURSE,
        LatePolicy(late_deduction_enabled=True, late_deduction_percent=Decimal(10)),
    )
    await world.add_override()(
        instructor,
        published.id,
        OverrideTarget.STUDENT,
        STUDENT,
        {"due_at": day(8), "lock_at": day(10)},
    )
    submitted = day(8) + timedelta(hours=1)
    mine = await world.preview()(student, published.id, submitted_at=submitted)
    assert (
        mine.student_id == STUDENT and mine.evaluation.late and mine.evaluation.intervals_late == 1
    )
    as_staff = await world.preview()(
        instructor, published.id, submitted_at=submitted, student_id=STUDENT
    )
    assert as_staff.evaluation == mine.evaluation
    theirs = await world.preview()(other_student, published.id, submitted_at=submitted)
    assert theirs.evaluation.intervals_late == 2  # due on day 7 for everyone else
    with pytest.raises(PermissionDenied):
        await world.preview()(other_student, published.id, student_id=STUDENT)
    no_student = await world.preview()(instructor, published.id, submitted_at=submitted)
    assert no_student.student_id is None and no_student.dates.due_at == day(7)
    nothing = await world.preview()(student, published.id)
    assert (
        not nothing.evaluation.submitted and not nothing.evaluation.missing
    )  # due day 8, now day 1
    with pytest.raises(NotFound):
        await world.preview()(principal(uuid.uuid4(), Role.STUDENT), published.id)
