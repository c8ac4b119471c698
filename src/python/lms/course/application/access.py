"""Who may do what, decided here whatever the edge did.

Two sources: the caller's token (its college and permissions, from auth's role mapping) and
the caller's enrollments in the course (their section roles, from this service's data).

- ``course:manage`` (college admins): everything in their college.
- Members with ``course:read`` see published and concluded courses of their college, and
  every course they are enrolled in.
- Instructors and designers of a section (and a course's owner) edit the course and its
  content with ``course:update``; instructors manage their section's enrollments with
  ``enrollment:manage``.
- A section's roster is shown to its staff (instructors, TAs, designers) only.
- Another college's data is 404, never 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.course.application.ports import EnrollmentRepository, Membership
from lms.course.domain.courses import Course
from lms.course.domain.enrollments import STAFF_ROLES, TEACHING_ROLES, SectionRole
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal

# The catalogue's constants (lms_platform.kernel.permissions), under this service's short names.
COURSE_READ = Permission.COURSE_READ
COURSE_CREATE = Permission.COURSE_CREATE
COURSE_UPDATE = Permission.COURSE_UPDATE
COURSE_DELETE = Permission.COURSE_DELETE
COURSE_MANAGE = Permission.COURSE_MANAGE
ENROLLMENT_MANAGE = Permission.ENROLLMENT_MANAGE
ENROLLMENT_SYNC = Permission.ENROLLMENT_SYNC  # service credentials: the enrollment snapshot feed
ROSTER_IMPORT = Permission.ROSTER_IMPORT


def caller_id(principal: Principal) -> UUID | None:
    try:
        return UUID(principal.user_id)
    except ValueError:  # an API key or a service
        return None


def in_college(principal: Principal, tenant_id: str, what: str = "not found") -> None:
    if not principal.can_see_tenant(tenant_id):
        raise NotFound(what)


def manages(principal: Principal, tenant_id: str) -> bool:
    if principal.is_super_admin:
        return True
    return principal.tenant_id == tenant_id and principal.has_permission(COURSE_MANAGE)


def require(principal: Principal, permission: str, tenant_id: str | None = None) -> None:
    if principal.is_super_admin:
        return
    if tenant_id is not None and principal.tenant_id != tenant_id:
        raise NotFound("not found")
    if not principal.has_permission(permission):
        raise PermissionDenied(f"this needs the {permission} permission")


@dataclass(frozen=True, slots=True)
class CourseAccess:
    """The caller's standing in one course."""

    principal: Principal
    course: Course
    memberships: Sequence[Membership]
    is_manager: bool

    @property
    def is_owner(self) -> bool:
        return self.course.owner_id == self.principal.user_id

    def roles_in(self, section_id: UUID) -> set[SectionRole]:
        return {m.role for m in self.memberships if m.section_id == section_id}

    @property
    def is_member(self) -> bool:
        return bool(self.memberships)

    @property
    def can_see(self) -> bool:
        if self.is_manager or self.is_member or self.is_owner:
            return True
        return self.course.is_listed and self.principal.has_permission(COURSE_READ)

    @property
    def can_edit(self) -> bool:
        if self.is_manager:
            return True
        teaches = any(m.role in TEACHING_ROLES for m in self.memberships)
        return (teaches or self.is_owner) and self.principal.has_permission(COURSE_UPDATE)

    @property
    def sees_drafts(self) -> bool:
        """Unpublished content and draft details: editors and staff."""
        return self.can_edit or any(m.role in STAFF_ROLES for m in self.memberships)

    def can_see_roster(self, section_id: UUID) -> bool:
        return self.is_manager or bool(self.roles_in(section_id) & STAFF_ROLES)

    def can_manage_enrollments(self, section_id: UUID) -> bool:
        if self.is_manager:
            return True
        instructs = SectionRole.INSTRUCTOR in self.roles_in(section_id)
        return instructs and self.principal.has_permission(ENROLLMENT_MANAGE)

    def ensure_visible(self) -> None:
        if not self.can_see:
            raise NotFound("course not found")

    def ensure_can_edit(self) -> None:
        self.ensure_visible()
        if not self.can_edit:
            raise PermissionDenied(
                f"changing a course needs {COURSE_MANAGE}, or {COURSE_UPDATE} as one of its "
                "instructors or designers"
            )


async def course_access(
    principal: Principal, course: Course | None, enrollments: EnrollmentRepository
) -> CourseAccess:
    """404 for a missing, deleted or other college's course; otherwise the caller's standing."""
    if course is None or course.is_deleted or not principal.can_see_tenant(course.tenant_id):
        raise NotFound("course not found")
    user_id = caller_id(principal)
    memberships = await enrollments.memberships(user_id, course.id) if user_id else []
    return CourseAccess(principal, course, memberships, manages(principal, course.tenant_id))
