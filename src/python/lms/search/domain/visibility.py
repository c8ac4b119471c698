"""Who finds what: every query carries these rules as filters, built from the caller's token
(college, permissions) and their memberships (the service's read model of ``enrollment.*``).

- Everyone: only documents of their own college, never tombstones.
- Courses (``course:read``): published or concluded ones, those they are a member of, those
  they own; ``course:manage`` (college admins): every course of the college.
- Assignments (``assignment:read``): active staff of a course find all its assignments, drafts
  included; an active student finds published assignments of their course that are for every
  section or for one of theirs, once unlocked; ``course:manage``: every assignment.
- Users: ``user:read`` (staff) finds the college's users; everyone else themselves, and by name
  only the people who share an active section with them (``domain/people.py``), unless the
  query filters or facets on users' fields (roles, status, locale are not theirs to see).
- Notes: their owner, the users they are shared with, and the active members of a section or
  course they are shared with; no one else, whatever their role (as in the notes service, a
  college admin does not read other people's notes). A note whose content has not arrived yet
  (a share event came first) is found by no one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from lms.search.domain.documents import DocType
from lms.search.domain.filters import (
    Eq,
    Filter,
    MatchesText,
    NotAfter,
    Nothing,
    all_of,
    any_of,
    one_of,
)
from lms.search.domain.people import PUBLIC_MATCH_FIELD
from lms.search.domain.query import SearchQuery
from lms_platform.kernel.membership import EnrollmentState, Membership, staff_courses
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.principal import Principal

VISIBLE_COURSE_STATUSES = ("published", "concluded")
_MEMBER_STATES = frozenset(
    {
        EnrollmentState.ACTIVE,
        EnrollmentState.INVITED,
        EnrollmentState.WAITLISTED,
        EnrollmentState.COMPLETED,
    }
)


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    memberships: Sequence[Membership]
    now: datetime
    # People found through a shared active section (domain/people.py), by their public
    # profile only; the viewer themselves is never among them.
    classmates: frozenset[str] = field(default_factory=frozenset)

    @property
    def manages_courses(self) -> bool:
        return self.principal.is_super_admin or self.principal.has_permission(
            Permission.COURSE_MANAGE
        )

    @property
    def reads_every_user(self) -> bool:
        return self.may(Permission.USER_READ) or self.may(Permission.USER_MANAGE)

    def may(self, permission: Permission) -> bool:
        return self.principal.is_super_admin or self.principal.has_permission(permission)


def visible(viewer: Viewer, types: Iterable[DocType], query: SearchQuery | None = None) -> Filter:
    """The documents of ``types`` that ``viewer`` may find (for ``query``: the classmates'
    profiles are found by name only)."""
    rules = {
        DocType.COURSE: _courses,
        DocType.ASSIGNMENT: _assignments,
        DocType.USER: lambda v: _users(v, query),
        DocType.NOTE: _notes,
    }
    per_type = [all_of(Eq("doc_type", t.value), rules[t](viewer)) for t in types]
    return all_of(
        Eq("tenant_id", viewer.principal.tenant_id), Eq("deleted", False), any_of(*per_type)
    )


def _courses(viewer: Viewer) -> Filter:
    if viewer.manages_courses:
        return all_of()
    if not viewer.may(Permission.COURSE_READ):
        return Nothing()
    member_of = {m.course_id for m in viewer.memberships if m.state in _MEMBER_STATES}
    return any_of(
        one_of("status", VISIBLE_COURSE_STATUSES),
        one_of("id", {str(c) for c in member_of}),
        Eq("owner_id", viewer.principal.user_id),
    )


def _assignments(viewer: Viewer) -> Filter:
    if viewer.manages_courses:
        return all_of()
    if not viewer.may(Permission.ASSIGNMENT_READ):
        return Nothing()
    students = [m for m in viewer.memberships if m.is_active_student]
    as_student = all_of(
        Eq("status", "published"),
        one_of("course_id", {str(m.course_id) for m in students}),
        any_of(
            Eq("all_sections", True),
            one_of("section_ids", {str(m.section_id) for m in students}),
        ),
        NotAfter("visible_from", viewer.now),
    )
    as_staff = one_of("course_id", {str(c) for c in staff_courses(viewer.memberships)})
    return any_of(as_staff, as_student)


def _users(viewer: Viewer, query: SearchQuery | None) -> Filter:
    if viewer.reads_every_user:
        return all_of()
    return any_of(Eq("id", viewer.principal.user_id), _classmates(viewer, query))


def _classmates(viewer: Viewer, query: SearchQuery | None) -> Filter:
    """Found by name only: a match on their email or bio, a filter or a facet on their roles,
    status or locale would tell the viewer what their profile hides."""
    text = query.text if query is not None else ""
    if query is not None and (DocType.USER in query.filters or DocType.USER in query.facets):
        return Nothing()
    classmates = viewer.classmates - {viewer.principal.user_id}
    return all_of(one_of("id", classmates), MatchesText(PUBLIC_MATCH_FIELD, text))


def _notes(viewer: Viewer) -> Filter:
    me = viewer.principal.user_id
    try:
        UUID(me)
    except ValueError:  # an API key or a service: notes belong to people
        return Nothing()
    active = [m for m in viewer.memberships if m.is_active]
    return all_of(
        Eq("has_content", True),
        any_of(
            Eq("owner_id", me),
            Eq("shared_user_ids", me),
            one_of("shared_section_ids", {str(m.section_id) for m in active}),
            one_of("shared_course_ids", {str(m.course_id) for m in active}),
        ),
    )
