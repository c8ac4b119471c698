"""Listing a course's assignments (``GET /assignments``) as the caller sees them.

Staff list a course from the database (its own dates, filters and order in SQL). A student's
list depends on their overrides, so it is computed from the published assignments of their
sections: each with the dates that apply to them, filtered by those dates, ordered, paged.
A student's courses hold hundreds of assignments, not millions, so that stays cheap
(docs/benchmarks/assignment.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from lms.assignment.application.access import standing_in
from lms.assignment.application.ports import AssignmentReader, CourseListing, StaffSort
from lms.assignment.application.views import AssignmentView
from lms.assignment.domain.assignments import Assignment, AssignmentStatus
from lms.assignment.domain.visibility import is_assigned_to, student_view
from lms_platform.kernel.grading import EffectiveDates
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.pagination import (
    CursorPage,
    CursorPageRequest,
    SortKey,
    Total,
    page_in_memory,
)
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal

_NO_DUE_DATE = datetime(3000, 1, 1, tzinfo=UTC)  # after every date the domain accepts
T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    """Due dates in ``[due_after, due_before)``; an assignment without one is outside any
    bounded window."""

    due_after: datetime | None = None
    due_before: datetime | None = None

    def holds(self, due: datetime | None) -> bool:
        if self.due_after is None and self.due_before is None:
            return True
        if due is None:
            return False
        after_ok = self.due_after is None or due >= self.due_after
        return after_ok and (self.due_before is None or due < self.due_before)


def page_of(
    items: Iterable[T],
    *,
    due: Callable[[T], datetime | None],
    created: Callable[[T], datetime],
    ident: Callable[[T], UUID],
    window: Window,
    sort: StaffSort,
    page: CursorPageRequest,
) -> CursorPage[T]:
    """``items`` within ``window``, in ``sort`` order (no due date after every date, the id
    breaking ties), one keyset page of them: the cursor is the last item's (date, id)."""
    if sort.lstrip("-") == "created_at":

        def key(item: T) -> SortKey:
            return (created(item), ident(item))

    else:

        def key(item: T) -> SortKey:
            return (due(item) or _NO_DUE_DATE, ident(item))

    descending = sort.startswith("-")
    kept = sorted((item for item in items if window.holds(due(item))), key=key, reverse=descending)
    return page_in_memory(kept, key, page, descending=descending)


def empty_page(page: CursorPageRequest) -> CursorPage[AssignmentView]:
    return CursorPage(items=[], limit=page.limit, next_key=None, total=Total(0, exact=True))


def page_views(
    views: Iterable[AssignmentView], window: Window, sort: StaffSort, page: CursorPageRequest
) -> CursorPage[AssignmentView]:
    return page_of(
        views,
        due=lambda v: v.dates.due_at,
        created=lambda v: v.assignment.created_at,
        ident=lambda v: v.assignment.id,
        window=window,
        sort=sort,
        page=page,
    )


def students_views(
    assignments: Iterable[Assignment],
    student: UUID,
    sections_by_course: dict[UUID, frozenset[UUID]],
    now: datetime,
) -> list[AssignmentView]:
    views = []
    for assignment in assignments:
        sections = sections_by_course.get(assignment.course_id, frozenset())
        seen = student_view(assignment, student, sections, now)
        if seen is not None:
            views.append(
                AssignmentView(assignment, seen.dates, seen.details_hidden, False, student)
            )
    return views


class ListAssignments:
    def __init__(
        self, reader: AssignmentReader, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._reader, self._memberships, self._clock = reader, memberships, clock

    async def __call__(
        self, principal: Principal, listing: CourseListing, page: CursorPageRequest
    ) -> CursorPage[AssignmentView]:
        tenant = principal.tenant_id
        listing = replace(listing, tenant_id=tenant)
        standing = await standing_in(self._memberships, principal, tenant, listing.course_id)
        standing.ensure_in_course()
        window = Window(due_after=listing.due_after, due_before=listing.due_before)
        if standing.is_staff:
            found = await self._reader.page_of_course(listing, page)
            return CursorPage(
                items=[
                    AssignmentView(a, EffectiveDates.of(a.content.dates), False, True)
                    for a in found.items
                ],
                limit=found.limit,
                next_key=found.next_key,
                total=found.total,
            )
        student = standing.student_id
        sections = standing.student_sections
        if listing.section_id is not None:
            sections = sections & {listing.section_id}
        if student is None or listing.status is AssignmentStatus.DRAFT or not sections:
            return empty_page(page)
        candidates = await self._reader.published_for_student(
            tenant, [listing.course_id], sections, student
        )
        views = students_views(
            (a for a in candidates if is_assigned_to(a, sections)),
            student,
            {listing.course_id: sections},
            self._clock.now(),
        )
        return page_views(views, window, listing.sort, page)
