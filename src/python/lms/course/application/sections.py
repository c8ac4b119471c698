"""Sections: a course offered to a batch. Created and changed by those who may edit the
course; read by those who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from lms.course.application.access import COURSE_READ, caller_id, course_access, manages, require
from lms.course.application.ports import CatalogueStore
from lms.course.domain.events import SectionCreated, SectionUpdated, section_event
from lms.course.domain.sections import Section
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal

EDITABLE = (
    "code",
    "name",
    "batch_id",
    "capacity",
    "waitlist",
    "schedule",
    "start_date",
    "end_date",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewSection:
    course_id: UUID
    code: str
    name: str
    batch_id: UUID | None = None
    capacity: int | None = None
    waitlist: bool = False
    schedule: str = ""
    start_date: date | None = None
    end_date: date | None = None


async def _batch_of_college(store: CatalogueStore, tenant_id: str, batch_id: object) -> None:
    if batch_id is None:
        return
    batch = await store.batches.get(batch_id)  # type: ignore[arg-type]
    if batch is None or batch.tenant_id != tenant_id:
        raise InvalidInput("no such batch in this college", field="batch_id")


async def visible_section(store: CatalogueStore, principal: Principal, section_id: UUID) -> Section:
    section = await store.sections.get(section_id)
    if section is None or section.deleted_at is not None:
        raise NotFound("section not found")
    access = await course_access(
        principal, await store.courses.get(section.course_id), store.enrollments
    )
    if not access.can_see:
        raise NotFound("section not found")
    return section


class CreateSection:
    def __init__(self, store: CatalogueStore, clock: Clock, ids: IdGenerator) -> None:
        self._store, self._clock, self._ids = store, clock, ids

    async def __call__(self, principal: Principal, data: NewSection) -> Section:
        course = await self._store.courses.lock(data.course_id)
        if course is None or course.is_deleted or not principal.can_see_tenant(course.tenant_id):
            raise InvalidInput("no such course in this college", field="course_id")
        access = await course_access(principal, course, self._store.enrollments)
        if not access.can_see:
            raise InvalidInput("no such course in this college", field="course_id")
        access.ensure_can_edit()
        await _batch_of_college(self._store, course.tenant_id, data.batch_id)
        now = self._clock.now()
        section = Section(
            id=self._ids.new_id(), tenant_id=course.tenant_id, course_id=course.id,
            batch_id=data.batch_id, code=data.code, name=data.name, capacity=data.capacity,
            waitlist=data.waitlist, schedule=data.schedule, start_date=data.start_date,
            end_date=data.end_date, created_at=now, updated_at=now,
        )  # fmt: skip
        await self._store.sections.add(section)
        self._store.record(section_event(SectionCreated, section))
        await self._store.commit()  # a taken code within the course is a Conflict
        return section


class GetSection:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, section_id: UUID) -> Section:
        return await visible_section(self._store, principal, section_id)


class ListCourseSections:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(
        self, principal: Principal, course_id: UUID, page: CursorPageRequest
    ) -> CursorPage[Section]:
        access = await course_access(
            principal, await self._store.courses.get(course_id), self._store.enrollments
        )
        access.ensure_visible()
        return await self._store.sections.of_course(course_id, page)


class ListSections:
    def __init__(self, store: CatalogueStore) -> None:
        self._store = store

    async def __call__(self, principal: Principal, page: CursorPageRequest) -> CursorPage[Section]:
        manager = manages(principal, principal.tenant_id)
        if not manager:
            require(principal, COURSE_READ)
        visible_to = None if manager else (caller_id(principal) or UUID(int=0))
        return await self._store.sections.list(principal.tenant_id, visible_to, page)


class UpdateSection:
    def __init__(self, store: CatalogueStore, clock: Clock) -> None:
        self._store, self._clock = store, clock

    async def __call__(
        self, principal: Principal, section_id: UUID, changes: dict[str, object],
        expected_version: int | None = None,
    ) -> Section:  # fmt: skip
        section = await self._store.sections.lock(section_id)
        if section is None or section.deleted_at is not None:
            raise NotFound("section not found")
        access = await course_access(
            principal, await self._store.courses.get(section.course_id), self._store.enrollments
        )
        if not access.can_see:
            raise NotFound("section not found")
        access.ensure_can_edit()
        if expected_version is not None and expected_version != section.version:
            raise PreconditionFailed(f"the section is now at version {section.version}")
        if "batch_id" in changes:
            await _batch_of_college(self._store, section.tenant_id, changes["batch_id"])
        if "capacity" in changes and changes["capacity"] is not None:
            taken = await self._store.enrollments.seats_taken(section.id)
            if int(changes["capacity"]) < taken:  # type: ignore[call-overload]
                raise Conflict(  # the state, not the request, is what refuses it
                    f"{taken} seats are taken; capacity cannot be lower",
                    extra={"seats_taken": taken},
                )
        changed = section.edit(changes, self._clock.now())
        if not changed:
            await self._store.rollback()
            return section
        await self._store.sections.save(section)
        self._store.record(section_event(SectionUpdated, section, changed))
        await self._store.commit()
        return section
