"""``GET /me/assignments``: what is due for the caller across every course where they are an
active student, with the dates that apply to them.

The list depends on the student's overrides, so it is computed from the published assignments
of their sections (``domain.visibility``, the kernel's date rule). For hundreds of assignments
that costs tens of milliseconds, and students reload this page far more often than teachers
change anything, so the computed list is kept (``DueListCache``, one entry per student) and
reused only while nothing it depends on changed (``DueList.holds``):

- the student's sections: their memberships are read on every request;
- the assignments' revision: count and sum of versions of every assignment of those courses,
  deleted ones included (rows are never removed and every change, an override or a lock too,
  raises a version, so it only grows), read on every request;
- the clock: the entry ends at the next unlock among its assignments.

The list is computed after the revision was read, so an entry is never older than the
revision it is kept with. Only the page's assignments are then read in full."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from lms.assignment.application.access import ASSIGNMENT_READ, caller_id, student_courses
from lms.assignment.application.listing import Window, empty_page, page_of, students_views
from lms.assignment.application.ports import (
    AssignmentReader,
    DueEntry,
    DueList,
    DueListCache,
    StaffSort,
)
from lms.assignment.application.views import AssignmentView
from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.visibility import dates_for
from lms_platform.kernel.errors import PermissionDenied
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


def _next_unlock(
    candidates: Sequence[Assignment],
    views: Sequence[AssignmentView],
    student: UUID,
    sections: dict[UUID, frozenset[UUID]],
    now: datetime,
) -> datetime | None:
    """The next time what the student sees changes by the clock alone: an announced
    assignment's details unlock, or an unannounced one appears. Dates are computed again only
    for the candidates the student does not see yet."""
    shown = {v.assignment.id for v in views}
    upcoming = [v.dates.unlock_at for v in views if v.details_hidden]
    upcoming += [
        dates_for(a, student, sections.get(a.course_id, frozenset())).unlock_at
        for a in candidates
        if a.id not in shown
    ]
    return min((u for u in upcoming if u is not None and u > now), default=None)


class MyAssignments:
    def __init__(
        self,
        reader: AssignmentReader,
        memberships: MembershipReader,
        clock: Clock,
        cache: DueListCache,
    ) -> None:
        self._reader, self._memberships, self._clock, self._cache = (
            reader,
            memberships,
            clock,
            cache,
        )

    async def __call__(
        self,
        principal: Principal,
        page: CursorPageRequest,
        *,
        course_id: UUID | None = None,
        window: Window = Window(),  # - frozen value
        sort: StaffSort = "due_at",
    ) -> CursorPage[AssignmentView]:
        if not principal.has_permission(ASSIGNMENT_READ) and not principal.is_super_admin:
            raise PermissionDenied(f"this needs the {ASSIGNMENT_READ} permission")
        student = caller_id(principal)
        if student is None:
            return empty_page(page)
        tenant = principal.tenant_id
        courses = student_courses(await self._memberships.of_user(tenant, student))
        if not courses:
            return empty_page(page)
        entries = await self._entries(tenant, student, courses)
        if course_id is not None:
            entries = tuple(e for e in entries if e.course_id == course_id)
        chosen = page_of(
            entries,
            due=lambda e: e.dates.due_at,
            created=lambda e: e.created_at,
            ident=lambda e: e.assignment_id,
            window=window,
            sort=sort,
            page=page,
        )
        wanted = chosen.items
        found = {
            a.id: a for a in await self._reader.many(tenant, [e.assignment_id for e in wanted])
        }
        items = [
            AssignmentView(found[e.assignment_id], e.dates, e.details_hidden, False, student)
            for e in wanted
            if e.assignment_id in found  # deleted meanwhile: the next request drops it anyway
        ]
        return CursorPage(
            items=items, limit=chosen.limit, next_key=chosen.next_key, total=chosen.total
        )

    async def _entries(
        self, tenant: str, student: UUID, courses: dict[UUID, frozenset[UUID]]
    ) -> tuple[DueEntry, ...]:
        sections = frozenset(s for group in courses.values() for s in group)
        revision = await self._reader.revision(tenant, list(courses))
        now = self._clock.now()
        cached = await self._cache.get(tenant, student)
        if cached is not None and cached.holds(revision, sections, now):
            return cached.entries
        candidates = await self._reader.published_for_student(
            tenant, list(courses), sections, student
        )
        views = students_views(candidates, student, courses, now)
        entries = tuple(
            DueEntry(
                assignment_id=v.assignment.id,
                course_id=v.assignment.course_id,
                created_at=v.assignment.created_at,
                dates=v.dates,
                details_hidden=v.details_hidden,
            )
            for v in views
        )
        await self._cache.put(
            tenant,
            student,
            DueList(
                revision=revision,
                sections=sections,
                computed_at=now,
                valid_until=_next_unlock(candidates, views, student, courses, now),
                entries=entries,
            ),
        )
        return entries
