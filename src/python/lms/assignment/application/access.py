"""Who may do what with a course's assignments, decided here whatever the edge did.

Two sources: the caller's token (college and permissions, from auth's role mapping) and the
caller's memberships in the course (from this service's read model of ``enrollment.*``).

- Staff of the course (an active instructor, TA or designer of one of its sections) see all
  its assignments, drafts included; with ``assignment:create`` they create them, with
  ``assignment:update`` they change, publish, override and delete them and set the course's
  late policy. By default instructors hold both; TAs neither (they read and grade).
- ``course:manage`` (college admins: every course of the college, so its assignments too)
  acts as staff of every course of the college.
- Active students of a section see what ``domain.visibility`` lets them, with
  ``assignment:read``.
- Anyone else, and every other college, gets 404: the course's work does not exist for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.membership import Membership, MembershipReader, SectionRole
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal

ASSIGNMENT_READ = Permission.ASSIGNMENT_READ
ASSIGNMENT_CREATE = Permission.ASSIGNMENT_CREATE
ASSIGNMENT_UPDATE = Permission.ASSIGNMENT_UPDATE
# The catalogue has no separate assignment-wide grant: managing a college's courses covers them.
COLLEGE_COURSES_MANAGE = Permission.COURSE_MANAGE


def caller_id(principal: Principal) -> UUID | None:
    """The caller's user id, or None for a credential that is no user (an API key)."""
    try:
        return UUID(principal.user_id)
    except ValueError:
        return None


def manages_college(principal: Principal, tenant_id: str) -> bool:
    if principal.is_super_admin:
        return True
    return principal.tenant_id == tenant_id and principal.has_permission(COLLEGE_COURSES_MANAGE)


@dataclass(frozen=True, slots=True)
class CourseStanding:
    """The caller's standing in one course of their college."""

    principal: Principal
    tenant_id: str
    course_id: UUID
    memberships: Sequence[Membership]  # the caller's, in this course
    manager: bool

    @property
    def student_id(self) -> UUID | None:
        return caller_id(self.principal) if self.student_sections else None

    @property
    def is_staff(self) -> bool:
        return self.manager or any(m.is_staff for m in self.memberships)

    @property
    def student_sections(self) -> frozenset[UUID]:
        return frozenset(m.section_id for m in self.memberships if m.is_active_student)

    @property
    def may_read(self) -> bool:
        return self.manager or self.principal.has_permission(ASSIGNMENT_READ)

    def ensure_in_course(self) -> None:
        """404 unless the caller is staff or an active student here (with the permission)."""
        if not (self.is_staff or self.student_sections) or not self.may_read:
            raise NotFound("course not found")

    def ensure_staff_with(self, permission: str) -> None:
        """For a change: 404 to outsiders, 403 to members who may not make it."""
        self.ensure_in_course()
        if self.manager:
            return
        if not self.is_staff:
            raise PermissionDenied("only the course's staff change its assignments")
        if not self.principal.has_permission(permission):
            raise PermissionDenied(f"this needs the {permission} permission")


async def standing_in(
    memberships: MembershipReader, principal: Principal, tenant_id: str, course_id: UUID
) -> CourseStanding:
    """The caller's standing in ``course_id`` of ``tenant_id``; another college's course gives
    a standing with no memberships (so 404), as does a caller who is no user."""
    manager = manages_college(principal, tenant_id)
    user = caller_id(principal)
    mine: Sequence[Membership] = ()
    if principal.tenant_id == tenant_id and user is not None:
        mine = [m for m in await memberships.of_user(tenant_id, user) if m.course_id == course_id]
    return CourseStanding(principal, tenant_id, course_id, mine, manager)


def student_courses(memberships: Sequence[Membership]) -> dict[UUID, frozenset[UUID]]:
    """course id -> the sections where the user is an active student."""
    courses: dict[UUID, set[UUID]] = {}
    for m in memberships:
        if m.is_active and m.role is SectionRole.STUDENT:
            courses.setdefault(m.course_id, set()).add(m.section_id)
    return {course: frozenset(sections) for course, sections in courses.items()}
