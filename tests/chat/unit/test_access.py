"""The room access rules and history anchors, as pure functions."""

from __future__ import annotations

import uuid

import pytest

from lms.chat.domain.access import access_to
from lms.chat.domain.history import Direction, anchor_from
from lms.chat.domain.messages import checked_body
from lms.chat.domain.rooms import Room, RoomKind, course_room, section_room
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole

T = "college-a"
COURSE, SECTION, OTHER_SECTION, USER = (uuid.uuid4() for _ in range(4))


def member(role: SectionRole, state: EnrollmentState = EnrollmentState.ACTIVE, section=SECTION):
    return Membership(T, USER, section, COURSE, role, state)


@pytest.mark.parametrize(
    ("role", "read", "post", "moderate"),
    [
        (SectionRole.STUDENT, True, True, False),
        (SectionRole.TEACHING_ASSISTANT, True, True, True),
        (SectionRole.INSTRUCTOR, True, True, True),
        (SectionRole.DESIGNER, True, True, True),
        (SectionRole.OBSERVER, True, False, False),
    ],
)
def test_section_room_by_role(role: SectionRole, read: bool, post: bool, moderate: bool) -> None:
    access = access_to(section_room(T, COURSE, SECTION), USER, [member(role)])
    assert (access.read, access.post, access.moderate) == (read, post, moderate)


@pytest.mark.parametrize("state", [EnrollmentState.DROPPED, EnrollmentState.INVITED,
                                   EnrollmentState.WAITLISTED, EnrollmentState.COMPLETED])  # fmt: skip
def test_only_active_enrollments_count(state: EnrollmentState) -> None:
    assert not access_to(
        section_room(T, COURSE, SECTION), USER, [member(SectionRole.STUDENT, state)]
    ).read


def test_a_course_room_admits_every_section_and_another_section_room_does_not() -> None:
    mine = [member(SectionRole.INSTRUCTOR, section=OTHER_SECTION)]
    assert access_to(course_room(T, COURSE), USER, mine).moderate
    assert not access_to(section_room(T, COURSE, SECTION), USER, mine).read


def test_direct_rooms_admit_their_listed_members_and_admins_do_not_moderate_them() -> None:
    room = Room(id=uuid.uuid4(), tenant_id=T, kind=RoomKind.DIRECT, title="d")
    assert access_to(room, USER, [], listed_members={USER}).post
    assert not access_to(room, uuid.uuid4(), [], listed_members={USER}).read
    admin = access_to(room, uuid.uuid4(), [], listed_members={USER}, college_admin=True)
    assert admin.read and not admin.post and not admin.moderate


def test_anchors_and_bodies_are_checked() -> None:
    assert anchor_from(Direction.AROUND, 5, 3).seq == 5
    for bad in ((Direction.BEFORE, -1, 10), (Direction.AFTER, 1, 0), (Direction.AFTER, 1, 201)):
        with pytest.raises(InvalidInput):
            anchor_from(*bad)
    assert checked_body("  hi  ") == "hi"
    for body in ("", "   ", "x" * 4001):
        with pytest.raises(InvalidInput):
            checked_body(body)
