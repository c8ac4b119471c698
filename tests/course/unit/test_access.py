"""Who may do what in a course, from the token and the caller's section roles."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lms.course.application.access import CourseAccess, course_access
from lms.course.application.ports import Membership
from lms.course.domain.courses import Course, CourseStatus
from lms.course.domain.enrollments import EnrollmentState, SectionRole
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.principal import Principal

NOW = datetime(2026, 9, 1, tzinfo=UTC)
SECTION, OTHER_SECTION = uuid.uuid4(), uuid.uuid4()
MEMBER = frozenset({"course:read"})
TEACHER = MEMBER | {"course:update", "enrollment:manage"}


def _course(status: CourseStatus = CourseStatus.PUBLISHED, college: str = "a") -> Course:
    return Course(
        id=uuid.uuid4(), tenant_id=college, code="C", title="T", description="", term_id=None,
        start_date=None, end_date=None, status=status, owner_id="owner", created_at=NOW,
        updated_at=NOW,
    )  # fmt: skip


def _access(role: SectionRole | None, permissions: frozenset[str], status: CourseStatus = CourseStatus.PUBLISHED,
            section: uuid.UUID = SECTION) -> CourseAccess:  # fmt: skip
    memberships = (
        [Membership(section_id=section, role=role, state=EnrollmentState.ACTIVE)] if role else []
    )
    principal = Principal(user_id=str(uuid.uuid4()), tenant_id="a", permissions=permissions)
    return CourseAccess(principal, _course(status), memberships, is_manager=False)


def test_students_see_but_neither_edit_nor_see_the_roster() -> None:
    student = _access(SectionRole.STUDENT, MEMBER)
    assert student.can_see and not student.can_edit and not student.sees_drafts
    assert not student.can_see_roster(SECTION) and not student.can_manage_enrollments(SECTION)
    with pytest.raises(PermissionDenied):
        student.ensure_can_edit()


def test_teaching_assistants_see_the_roster_but_do_not_manage_it() -> None:
    ta = _access(SectionRole.TEACHING_ASSISTANT, MEMBER)
    assert ta.can_see_roster(SECTION) and not ta.can_manage_enrollments(SECTION) and not ta.can_edit


def test_instructors_manage_their_own_section_only() -> None:
    instructor = _access(SectionRole.INSTRUCTOR, TEACHER)
    assert instructor.can_edit and instructor.can_manage_enrollments(SECTION)
    assert not instructor.can_manage_enrollments(OTHER_SECTION) and not instructor.can_see_roster(
        OTHER_SECTION
    )


def test_designers_edit_content_but_do_not_manage_enrollments() -> None:
    designer = _access(SectionRole.DESIGNER, TEACHER)
    assert designer.can_edit and not designer.can_manage_enrollments(SECTION)


def test_the_token_must_carry_the_permission_too() -> None:
    # A college may strip course:update from instructors in its role mapping.
    assert not _access(SectionRole.INSTRUCTOR, MEMBER).can_edit
    assert not _access(SectionRole.INSTRUCTOR, MEMBER).can_manage_enrollments(SECTION)


def test_drafts_are_hidden_from_outsiders_and_listed_courses_are_not() -> None:
    assert not _access(None, MEMBER, CourseStatus.DRAFT).can_see
    assert _access(None, MEMBER, CourseStatus.PUBLISHED).can_see
    assert not _access(None, frozenset(), CourseStatus.PUBLISHED).can_see
    assert _access(SectionRole.STUDENT, MEMBER, CourseStatus.DRAFT).can_see


class _NoEnrollments:
    async def memberships(self, user_id: object, course_id: object) -> list[Membership]:
        return []


async def test_another_colleges_course_does_not_exist_even_for_its_admins() -> None:
    admin_b = Principal(user_id="x", tenant_id="b", permissions=frozenset({"course:manage"}))
    with pytest.raises(NotFound):
        await course_access(admin_b, _course(college="a"), _NoEnrollments())  # type: ignore[arg-type]
    access = await course_access(admin_b, _course(college="b"), _NoEnrollments())  # type: ignore[arg-type]
    assert access.is_manager and access.can_edit
