"""Whom a viewer finds through their sections (domain/people.py), and the caps."""

from __future__ import annotations

import uuid

from lms.search.domain import people
from lms.search.domain.people import people_seen, roster_sections
from lms_platform.kernel.membership import EnrollmentState, Membership, SectionRole

SECTION = uuid.uuid4()
COURSE = uuid.uuid4()


def member(
    user: uuid.UUID, role: SectionRole = SectionRole.STUDENT,
    state: EnrollmentState = EnrollmentState.ACTIVE, section: uuid.UUID = SECTION,
    observed: uuid.UUID | None = None, tenant: str = "a",
) -> Membership:  # fmt: skip
    return Membership(tenant, user, section, COURSE, role, state, observed)


ME, PEER, TEACHER, PARENT, GONE = (uuid.uuid4() for _ in range(5))
ROSTER = [
    member(ME), member(PEER), member(TEACHER, SectionRole.INSTRUCTOR),
    member(PARENT, SectionRole.OBSERVER, observed=ME),
    member(GONE, state=EnrollmentState.DROPPED),
]  # fmt: skip


def seen(mine: Membership) -> set[str]:
    return set(people_seen([mine], {SECTION: ROSTER}))


def test_a_student_sees_active_students_and_staff_not_observers_or_the_dropped() -> None:
    assert seen(member(ME)) == {str(ME), str(PEER), str(TEACHER)}


def test_staff_see_every_active_member() -> None:
    assert seen(member(TEACHER, SectionRole.TEACHING_ASSISTANT)) == {
        str(ME), str(PEER), str(TEACHER), str(PARENT),
    }  # fmt: skip


def test_an_observer_sees_the_staff_and_the_observed_student_only() -> None:
    mine = member(PARENT, SectionRole.OBSERVER, observed=ME)
    assert seen(mine) == {str(ME), str(TEACHER)}


def test_an_inactive_viewer_sees_no_one() -> None:
    for state in (EnrollmentState.INVITED, EnrollmentState.COMPLETED, EnrollmentState.DROPPED):
        assert seen(member(ME, state=state)) == set()
        assert roster_sections([member(ME, state=state)]) == []


def test_another_colleges_rows_never_count() -> None:
    stranger = member(uuid.uuid4(), tenant="b")
    assert people_seen([member(ME)], {SECTION: [*ROSTER, stranger]}) == {
        str(ME), str(PEER), str(TEACHER),
    }  # fmt: skip


def test_rosters_are_read_for_at_most_the_cap_of_sections() -> None:
    many = [member(ME, section=uuid.uuid4()) for _ in range(people.MAX_ROSTER_SECTIONS + 5)]
    chosen = roster_sections(many)
    assert len(chosen) == people.MAX_ROSTER_SECTIONS
    assert chosen == sorted((m.section_id for m in many), key=str)[: len(chosen)]


def test_a_section_that_would_pass_the_cap_of_people_is_left_out_whole() -> None:
    small, big = uuid.uuid4(), uuid.uuid4()
    mine = [member(ME, section=small), member(ME, section=big)]
    small_roster = [member(uuid.uuid4(), section=small) for _ in range(10)]
    big_roster = [member(uuid.uuid4(), section=big) for _ in range(people.MAX_PEOPLE + 1)]
    found = people_seen(mine, {small: small_roster, big: big_roster})
    assert found == {str(m.user_id) for m in small_roster}
