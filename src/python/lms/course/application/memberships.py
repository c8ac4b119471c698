"""Who is in what: a section's roster (its staff only), the caller's own courses, and the
snapshot feed a new consumer builds its membership read model from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.course.application.access import (
    ENROLLMENT_SYNC,
    caller_id,
    course_access,
    require,
)
from lms.course.application.ports import EnrollmentStore
from lms.course.domain.courses import Course
from lms.course.domain.enrollments import Enrollment, EnrollmentState, SectionRole
from lms.course.domain.sections import Section
from lms_platform.kernel.errors import InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.principal import Principal

MAX_FEED_LIMIT = 1_000


class SectionRoster:
    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def __call__(
        self, principal: Principal, section_id: UUID, page: CursorPageRequest, *,
        role: SectionRole | None = None, state: EnrollmentState | None = None,
    ) -> CursorPage[Enrollment]:  # fmt: skip
        section = await self._store.sections.get(section_id)
        if section is None or section.deleted_at is not None:
            raise NotFound("section not found")
        access = await course_access(
            principal, await self._store.courses.get(section.course_id), self._store.enrollments
        )
        if not access.can_see:
            raise NotFound("section not found")
        if not access.can_see_roster(section.id):
            raise PermissionDenied("a section's roster is shown to its staff only")
        return await self._store.enrollments.roster(section.id, page, role=role, state=state)


@dataclass(frozen=True, slots=True)
class MySection:
    section: Section
    enrollment: Enrollment


@dataclass(frozen=True, slots=True)
class MyCourse:
    course: Course
    sections: list[MySection]

    @property
    def roles(self) -> list[str]:
        return sorted({s.enrollment.role.value for s in self.sections})


class MyCourses:
    """The caller's invited, waitlisted and active enrollments, grouped by course."""

    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal) -> list[MyCourse]:
        user_id = caller_id(principal)
        if user_id is None:
            return []
        rows = await self._store.enrollments.current_with_context(user_id, principal.tenant_id)
        courses: dict[UUID, MyCourse] = {}
        for enrollment, section, course in rows:
            entry = courses.get(course.id)
            if entry is None:
                entry = courses[course.id] = MyCourse(course, [])
            entry.sections.append(MySection(section, enrollment))
        return sorted(courses.values(), key=lambda c: (c.course.code, str(c.course.id)))


@dataclass(frozen=True, slots=True)
class FeedPage:
    items: list[Enrollment]
    next_cursor: tuple[datetime, UUID] | None


class EnrollmentFeed:
    """``GET /enrollments?updated_since=``: every enrollment changed since a time, tombstones
    included, oldest change first, by cursor. For service credentials (``enrollment:sync``);
    a college's credential sees its college, a super admin's every college."""

    def __init__(self, store: EnrollmentStore) -> None:
        self._store = store

    async def __call__(
        self, principal: Principal, *, updated_since: datetime | None,
        after: tuple[datetime, UUID] | None, limit: int,
    ) -> FeedPage:  # fmt: skip
        require(principal, ENROLLMENT_SYNC)
        if not 1 <= limit <= MAX_FEED_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_FEED_LIMIT}", field="limit")
        tenant = None if principal.is_super_admin else principal.tenant_id
        items = await self._store.enrollments.changed_since(tenant, updated_since, after, limit + 1)
        more = len(items) > limit
        items = items[:limit]
        cursor = (items[-1].updated_at, items[-1].id) if more and items else None
        return FeedPage(items, cursor)
