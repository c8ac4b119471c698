"""Lists: staff see every assignment of the course; a student sees theirs with their dates,
filtered by their own due dates, undated work last; nothing without the read permission."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.assignment.application.creating import NewAssignment
from lms.assignment.application.listing import ListAssignments, Window
from lms.assignment.application.my_assignments import MyAssignments
from lms.assignment.application.ports import CourseListing
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.grading import AssignmentDates, OverrideTarget
from lms_platform.kernel.pagination import CursorPageRequest
from lms_platform.kernel.principal import Principal
from lms_platform.kernel.roles import Role
from tests.assignment.unit.builders import COLLEGE, COURSE, SECTION_B, STUDENT, content, day
from tests.assignment.unit.conftest import OUTSIDER, World, principal
from tests.assignment.unit.fakes import FakeDueLists


async def _create(world: World, who: Principal, title: str, **fields: object):
    new = NewAssignment(course_id=COURSE, content=content(title=title, **fields), publish=True)
    return await world.create()(who, new)


def _listing(**fields: object) -> CourseListing:
    return CourseListing(tenant_id=COLLEGE, course_id=COURSE, **fields)  # type: ignore[arg-type]


def test_a_window_is_half_open_and_undated_work_falls_outside_it() -> None:
    window = Window(due_after=day(1), due_before=day(2))
    assert window.holds(day(1)) and not window.holds(day(2)) and not window.holds(None)
    assert Window().holds(None)


async def test_staff_see_drafts_students_see_theirs_in_due_order(
    world: World, instructor: Principal, ta: Principal, student: Principal
) -> None:
    undated = await _create(world, instructor, "Undated", dates=AssignmentDates())
    late = await _create(world, instructor, "Late")
    early = await _create(world, instructor, "Early")
    await world.add_override()(
        instructor, early.id, OverrideTarget.STUDENT, STUDENT, {"due_at": day(3)}
    )
    await _create(world, instructor, "For B", section_ids=(SECTION_B,))
    listing = ListAssignments(world.reader, world.memberships, world.clock)
    assert (await listing(ta, _listing(), CursorPageRequest())).total.value == 4
    mine = await listing(student, _listing(), CursorPageRequest())
    assert [v.assignment.id for v in mine.items] == [early.id, late.id, undated.id]
    windowed = await listing(student, _listing(due_before=day(4)), CursorPageRequest())
    assert [v.assignment.id for v in windowed.items] == [early.id]
    second_page = await listing(student, _listing(), CursorPageRequest(limit=1, offset=1))
    assert [v.assignment.id for v in second_page.items] == [late.id] and second_page.has_more
    last = await listing(
        student, _listing(), CursorPageRequest(limit=2, after=second_page.next_key)
    )
    assert [v.assignment.id for v in last.items] == [undated.id] and not last.has_more


async def test_outsiders_get_404_and_my_list_needs_the_permission(
    world: World, instructor: Principal, student: Principal
) -> None:
    await _create(world, instructor, "One")
    with pytest.raises(NotFound):
        await ListAssignments(world.reader, world.memberships, world.clock)(
            principal(OUTSIDER, Role.STUDENT), _listing(), CursorPageRequest()
        )
    mine = MyAssignments(world.reader, world.memberships, world.clock, FakeDueLists())
    assert (await mine(student, CursorPageRequest())).total.value == 1
    assert (await mine(instructor, CursorPageRequest())).total.value == 0  # teaching is not "due"
    stripped = Principal(user_id=student.user_id, tenant_id=COLLEGE, roles=frozenset({"student"}))
    with pytest.raises(PermissionDenied):
        await mine(stripped, CursorPageRequest())
    world.clock.current = day(-1) - timedelta(days=1)  # before unlock: nothing yet
    assert (await mine(student, CursorPageRequest())).total.value == 0
