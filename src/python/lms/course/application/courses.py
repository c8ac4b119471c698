"""Courses: create, read, list, change (metadata and status), delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from lms.course.application.access import (
    COURSE_CREATE,
    COURSE_DELETE,
    COURSE_MANAGE,
    COURSE_READ,
    caller_id,
    course_access,
    manages,
    require,
)
from lms.course.application.ports import COURSE_SORTS, CatalogueStore, CourseFilter
from lms.course.application.removal import remove_enrollments, remove_sections
from lms.course.application.terms import term_of_college
from lms.course.domain.courses import Course, CourseStatus
from lms.course.domain.events import (
    STATUS_EVENTS,
    CourseCreated,
    CourseDeleted,
    CourseUpdated,
    course_event,
)
from lms.course.domain.grading_schemes import scheme_or_default
from lms_platform.kernel.errors import InvalidInput, PermissionDenied, PreconditionFailed
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

EDITABLE = (
    "code", "title", "description", "term_id", "start_date", "end_date", "grading_scheme",
)  # fmt: skip
# A grading scheme as the caller sends it: (letter, lowest percentage), highest first; the
# kernel's ``GradingScheme`` checks it once the caller may change the course.
SchemeLevels = Sequence[tuple[str, Decimal | float]]


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCourse:
    code: str
    title: str
    description: str = ""
    term_id: UUID | None = None
    start_date: date | None = None
    end_date: date | None = None
    grading_scheme: SchemeLevels | None = None


class CreateCourse:
    def __init__(self, store: CatalogueStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self, principal: Principal, data: NewCourse) -> Course:
        if not manages(principal, principal.tenant_id):
            require(principal, COURSE_CREATE)
        await term_of_college(self._store, principal, data.term_id)
        scheme = scheme_or_default(data.grading_scheme)
        now = self._clock.now()
        course = Course(
            id=self._ids.new_id(), tenant_id=principal.tenant_id, code=data.code,
            title=data.title, description=data.description, term_id=data.term_id,
            start_date=data.start_date, end_date=data.end_date, status=CourseStatus.DRAFT,
            owner_id=principal.user_id, created_at=now, updated_at=now, grading_scheme=scheme,
        )  # fmt: skip
        await self._store.courses.add(course)
        self._store.record(course_event(CourseCreated, course))
        await self._store.commit()  # a taken code is a Conflict (unique per college)
        return course


class GetCourse:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, course_id: UUID) -> Course:
        course = await self._store.courses.get(course_id)
        access = await course_access(principal, course, self._store.enrollments)
        access.ensure_visible()
        return access.course


class ListCourses:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(
        self,
        principal: Principal,
        page: CursorPageRequest,
        *,
        status: CourseStatus | None = None,
        term_id: UUID | None = None,
        instructor_id: UUID | None = None,
        text: str | None = None,
        sort: str = "code",
    ) -> CursorPage[Course]:
        if sort not in COURSE_SORTS:
            raise InvalidInput(f"sort must be one of {', '.join(COURSE_SORTS)}", field="sort")
        manager = manages(principal, principal.tenant_id)
        if not manager:
            require(principal, COURSE_READ)
        criteria = CourseFilter(
            tenant_id=principal.tenant_id, status=status, term_id=term_id,
            instructor_id=instructor_id, text=text, sort=sort,
            visible_to=None if manager else (caller_id(principal) or UUID(int=0)),
        )  # fmt: skip
        return await self._store.courses.search(criteria, page)


class UpdateCourse:
    """Metadata and status in one call; a status change goes through the machine and says
    why it is refused. Publishes ``course.updated`` and the status's own event."""

    def __init__(self, store: CatalogueStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(
        self,
        principal: Principal,
        course_id: UUID,
        changes: dict[str, object],
        status: CourseStatus | None = None,
        expected_version: int | None = None,
    ) -> Course:
        course = await self._store.courses.lock(course_id)
        access = await course_access(principal, course, self._store.enrollments)
        access.ensure_can_edit()
        course = access.course
        if expected_version is not None and expected_version != course.version:
            raise PreconditionFailed(
                f"the course changed since version {expected_version}; it is now {course.version}"
            )
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        if "term_id" in changes:
            await term_of_college(self._store, principal, changes["term_id"])  # type: ignore[arg-type]
        if "grading_scheme" in changes:
            levels = changes["grading_scheme"]
            changes = {**changes, "grading_scheme": scheme_or_default(levels)}  # type: ignore[arg-type]
        now = self._clock.now()
        changed = course.edit(changes, now)
        moved = status is not None and course.change_status(status, now)
        if not changed and not moved:
            await self._store.rollback()
            return course
        await self._store.courses.save(course)
        if changed:
            self._store.record(course_event(CourseUpdated, course, changed))
        if moved:
            self._store.record(course_event(STATUS_EVENTS[course.status.value], course, ["status"]))
        await self._store.commit()
        return course


class DeleteCourse:
    """Refused while the course has active enrollments, unless it was archived first; then
    its sections go and its enrollments leave tombstones (``enrollment.deleted``)."""

    def __init__(self, store: CatalogueStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(self, principal: Principal, course_id: UUID) -> None:
        course = await self._store.courses.lock(course_id)
        access = await course_access(principal, course, self._store.enrollments)
        access.ensure_visible()
        if not access.is_manager:
            if not principal.has_permission(COURSE_DELETE):
                raise PermissionDenied(
                    f"deleting a course needs {COURSE_MANAGE} or {COURSE_DELETE}"
                )
            access.ensure_can_edit()
        course = access.course
        active = await self._store.enrollments.active_count_of_course(course.id)
        now = self._clock.now()
        course.delete(active_enrollments=active, now=now)
        await self._store.courses.save(course)
        enrollments = await self._store.enrollments.live_of_course(course.id)
        await remove_enrollments(self._store, enrollments, now)
        await remove_sections(self._store, await self._store.sections.all_of_course(course.id), now)
        self._store.record(course_event(CourseDeleted, course, ["deleted_at"]))
        await self._store.commit()
