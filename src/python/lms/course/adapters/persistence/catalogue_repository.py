"""Terms, batches, courses and sections."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lms.course.adapters.persistence.mapping import (
    RowMapper,
    copy_into,
    flush,
    new_record,
    to_entity,
)
from lms.course.adapters.persistence.models import (
    START_DATE_DOWN,
    START_DATE_UP,
    BatchRecord,
    CourseRecord,
    EnrollmentRecord,
    SectionRecord,
    TermRecord,
)
from lms.course.application.ports import CourseFilter
from lms.course.domain.courses import Batch, Course, CourseStatus, Term
from lms.course.domain.enrollments import CURRENT, SectionRole
from lms.course.domain.sections import Section
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.persistence.keyset import KeysetOrder, fetch_cursor_page

_LISTED = (CourseStatus.PUBLISHED.value, CourseStatus.CONCLUDED.value)
_CURRENT = [state.value for state in CURRENT]
_TERMS, _BATCHES = TermRecord.__table__, BatchRecord.__table__
_COURSES, _SECTIONS = CourseRecord.__table__, SectionRecord.__table__
# Lists read plain rows (no ORM objects), mapped to entities by column position.
_TERM_ROW = RowMapper(Term, [c.name for c in _TERMS.c])
_BATCH_ROW = RowMapper(Batch, [c.name for c in _BATCHES.c])
_COURSE_ROW = RowMapper(Course, [c.name for c in _COURSES.c])
_SECTION_ROW = RowMapper(Section, [c.name for c in _SECTIONS.c])
# Every order ends with the primary key and has an index (tenant, column, id): migration 0005.
_COURSE_ORDERS = {
    "code": KeysetOrder((_COURSES.c.code, _COURSES.c.id)),
    "-code": KeysetOrder((_COURSES.c.code, _COURSES.c.id), descending=True),
    "title": KeysetOrder((_COURSES.c.title, _COURSES.c.id)),
    "-title": KeysetOrder((_COURSES.c.title, _COURSES.c.id), descending=True),
    "created_at": KeysetOrder((_COURSES.c.created_at, _COURSES.c.id)),
    "-created_at": KeysetOrder((_COURSES.c.created_at, _COURSES.c.id), descending=True),
    "start_date": KeysetOrder((START_DATE_UP, _COURSES.c.id)),  # undated courses last
    "-start_date": KeysetOrder((START_DATE_DOWN, _COURSES.c.id), descending=True),
}
_TERM_ORDER = KeysetOrder((_TERMS.c.start_date, _TERMS.c.id), descending=True)  # newest first
_BATCH_ORDER = KeysetOrder((_BATCHES.c.code, _BATCHES.c.id))
_SECTION_ORDER = KeysetOrder((_SECTIONS.c.code, _SECTIONS.c.id))


def _member_of_course(user_id: UUID, role: str | None = None) -> ColumnElement[bool]:
    conditions = [
        EnrollmentRecord.course_id == CourseRecord.id,
        EnrollmentRecord.user_id == user_id,
        EnrollmentRecord.deleted_at.is_(None),
        EnrollmentRecord.state.in_(_CURRENT),
    ]
    if role is not None:
        conditions.append(EnrollmentRecord.role == role)
    return exists().where(*conditions)


class SqlAlchemyTerms:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, term: Term) -> None:
        self._session.add(new_record(TermRecord, term))
        await flush(self._session)

    async def save(self, term: Term) -> None:
        record = await self._session.get(TermRecord, term.id)
        if record is None:
            raise LookupError(f"term {term.id} was not loaded")
        copy_into(record, term)
        await flush(self._session)

    async def get(self, term_id: UUID) -> Term | None:
        record = await self._session.get(TermRecord, term_id)
        return to_entity(record, Term) if record else None

    async def list(self, tenant_id: str, page: CursorPageRequest) -> CursorPage[Term]:
        query = select(_TERMS).where(_TERMS.c.tenant_id == tenant_id)
        return await fetch_cursor_page(self._session, query, _TERM_ORDER, page, _TERM_ROW)


class SqlAlchemyBatches:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, batch: Batch) -> None:
        self._session.add(new_record(BatchRecord, batch))
        await flush(self._session)

    async def get(self, batch_id: UUID) -> Batch | None:
        record = await self._session.get(BatchRecord, batch_id)
        return to_entity(record, Batch) if record else None

    async def list(self, tenant_id: str, page: CursorPageRequest) -> CursorPage[Batch]:
        query = select(_BATCHES).where(_BATCHES.c.tenant_id == tenant_id)
        return await fetch_cursor_page(self._session, query, _BATCH_ORDER, page, _BATCH_ROW)


class SqlAlchemyCourses:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, course: Course) -> None:
        self._session.add(new_record(CourseRecord, course))
        await flush(self._session)

    async def get(self, course_id: UUID) -> Course | None:
        record = await self._session.get(CourseRecord, course_id)
        return to_entity(record, Course) if record else None

    async def lock(self, course_id: UUID) -> Course | None:
        query = (
            select(CourseRecord)
            .where(CourseRecord.id == course_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        record = (await self._session.execute(query)).scalar_one_or_none()
        return to_entity(record, Course) if record else None

    async def save(self, course: Course) -> None:
        record = await self._session.get(CourseRecord, course.id)
        if record is None:
            raise LookupError(f"course {course.id} was not loaded")
        copy_into(record, course)
        await flush(self._session)

    async def search(self, criteria: CourseFilter, page: CursorPageRequest) -> CursorPage[Course]:
        conditions: list[Any] = [
            CourseRecord.tenant_id == criteria.tenant_id,
            CourseRecord.deleted_at.is_(None),
        ]
        if criteria.status is not None:
            conditions.append(CourseRecord.status == criteria.status.value)
        if criteria.term_id is not None:
            conditions.append(CourseRecord.term_id == criteria.term_id)
        if criteria.instructor_id is not None:
            conditions.append(
                _member_of_course(criteria.instructor_id, SectionRole.INSTRUCTOR.value)
            )
        if criteria.text:
            pattern = (
                "%"
                + criteria.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                + "%"
            )
            conditions.append(
                or_(
                    CourseRecord.code.ilike(pattern),
                    CourseRecord.title.ilike(pattern),
                    CourseRecord.description.ilike(pattern),
                )
            )
        if criteria.visible_to is not None:
            conditions.append(
                or_(
                    CourseRecord.status.in_(_LISTED),
                    CourseRecord.owner_id == str(criteria.visible_to),
                    _member_of_course(criteria.visible_to),
                )
            )
        order = _COURSE_ORDERS[criteria.sort]  # the use case admits only these
        sort_columns = [c for c in order.columns if c.key not in _COURSES.c]
        query = select(_COURSES, *sort_columns).where(*conditions)
        return await fetch_cursor_page(self._session, query, order, page, _COURSE_ROW)


class SqlAlchemySections:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, section: Section) -> None:
        self._session.add(new_record(SectionRecord, section))
        await flush(self._session)

    async def get(self, section_id: UUID) -> Section | None:
        record = await self._session.get(SectionRecord, section_id)
        return to_entity(record, Section) if record else None

    async def lock(self, section_id: UUID) -> Section | None:
        query = (
            select(SectionRecord)
            .where(SectionRecord.id == section_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        record = (await self._session.execute(query)).scalar_one_or_none()
        return to_entity(record, Section) if record else None

    async def save(self, section: Section) -> None:
        record = await self._session.get(SectionRecord, section.id)
        if record is None:
            raise LookupError(f"section {section.id} was not loaded")
        copy_into(record, section)
        await flush(self._session)

    def _live(self) -> Any:
        return select(SectionRecord).where(SectionRecord.deleted_at.is_(None))

    async def of_course(self, course_id: UUID, page: CursorPageRequest) -> CursorPage[Section]:
        query = select(_SECTIONS).where(
            _SECTIONS.c.course_id == course_id, _SECTIONS.c.deleted_at.is_(None)
        )
        return await fetch_cursor_page(self._session, query, _SECTION_ORDER, page, _SECTION_ROW)

    async def all_of_course(self, course_id: UUID) -> list[Section]:
        query = self._live().where(SectionRecord.course_id == course_id).order_by(SectionRecord.id)
        return [to_entity(r, Section) for r in (await self._session.execute(query)).scalars()]

    async def list(
        self, tenant_id: str, visible_to: UUID | None, page: CursorPageRequest
    ) -> CursorPage[Section]:
        query = (
            select(_SECTIONS)
            .join(_COURSES, _COURSES.c.id == _SECTIONS.c.course_id)
            .where(
                _SECTIONS.c.tenant_id == tenant_id,
                _SECTIONS.c.deleted_at.is_(None),
                _COURSES.c.deleted_at.is_(None),
            )
        )
        if visible_to is not None:
            query = query.where(
                or_(
                    CourseRecord.status.in_(_LISTED),
                    CourseRecord.owner_id == str(visible_to),
                    _member_of_course(visible_to),
                )
            )
        return await fetch_cursor_page(self._session, query, _SECTION_ORDER, page, _SECTION_ROW)
