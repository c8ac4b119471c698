"""Who may do what with submissions, decided here from the caller's token (college and
permissions, from auth's role mapping) and their memberships in the course (the read model).

- A student (active in a section the assignment is for, with ``submission:create``) hands in
  work and sees their own submissions (``submission:read_own``): grades and comments only once
  posted.
- Graders (an active instructor or TA of a section of the course) with ``submission:read`` see
  the course's submissions, and with ``submission:grade`` grade them. A college admin
  (``course:manage``) counts as a grader of every course of the college.
- Everyone else, and every other college, gets 404: the submission does not exist for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.submission.domain.assignments import AssignmentRules
from lms.submission.domain.errors import SubmissionNotFound
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.membership import GRADER_ROLES, Membership, MembershipReader
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal


def caller_id(principal: Principal) -> UUID | None:
    """The caller's user id, or None for a credential that is no user (an API key)."""
    try:
        return UUID(principal.user_id)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Standing:
    """The caller in one course of their college."""

    principal: Principal
    memberships: Sequence[Membership]  # the caller's, in this course
    manager: bool

    @property
    def user_id(self) -> UUID | None:
        return caller_id(self.principal)

    @property
    def is_grader(self) -> bool:
        return self.manager or any(m.is_active and m.role in GRADER_ROLES for m in self.memberships)

    @property
    def student_sections(self) -> frozenset[UUID]:
        return frozenset(m.section_id for m in self.memberships if m.is_active_student)

    def may_read_all(self) -> bool:
        return self.is_grader and (
            self.manager or self.principal.has_permission(Permission.SUBMISSION_READ)
        )

    def may_grade(self) -> bool:
        return self.is_grader and (
            self.manager or self.principal.has_permission(Permission.SUBMISSION_GRADE)
        )

    def ensure_reader(self) -> None:
        if not self.may_read_all():
            raise NotFound("assignment not found")

    def ensure_grader(self) -> None:
        self.ensure_reader()
        if not self.may_grade():
            raise PermissionDenied(f"grading needs the {Permission.SUBMISSION_GRADE} permission")

    def student_sections_for(self, rules: AssignmentRules) -> frozenset[UUID]:
        """The caller's student sections the assignment is for (all its course's when it names none)."""
        sections = self.student_sections
        if rules.section_ids:
            sections = sections & frozenset(rules.section_ids)
        return sections

    def ensure_submitter(self, rules: AssignmentRules) -> tuple[UUID, frozenset[UUID]]:
        """The student's id and sections, or 404 (not their assignment) / 403 (no permission)."""
        sections = self.student_sections_for(rules)
        user = self.user_id
        if user is None or not sections or not rules.published:
            raise NotFound("assignment not found")
        if not self.principal.has_permission(Permission.SUBMISSION_CREATE):
            raise PermissionDenied(
                f"submitting needs the {Permission.SUBMISSION_CREATE} permission"
            )
        return user, sections


def manages_college(principal: Principal, tenant_id: str) -> bool:
    if principal.is_super_admin:
        return True
    return principal.tenant_id == tenant_id and principal.has_permission(Permission.COURSE_MANAGE)


async def standing_in(
    memberships: MembershipReader, principal: Principal, tenant_id: str, course_id: UUID
) -> Standing:
    mine: Sequence[Membership] = ()
    user = caller_id(principal)
    if principal.tenant_id == tenant_id and user is not None:
        mine = [m for m in await memberships.of_user(tenant_id, user) if m.course_id == course_id]
    return Standing(principal, mine, manages_college(principal, tenant_id))


def college_of(principal: Principal) -> str:
    return principal.tenant_id


def not_found() -> SubmissionNotFound:
    return SubmissionNotFound("submission not found")
