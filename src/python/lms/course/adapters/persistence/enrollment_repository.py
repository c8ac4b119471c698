"""Enrollments, and the users read model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from lms.course.adapters.persistence.mapping import (
    RowMapper,
    copy_into,
    flush,
    new_record,
    to_entity,
)
from lms.course.adapters.persistence.models import (
    CourseRecord,
    EnrollmentRecord,
    KnownUserRecord,
    SectionRecord,
)
from lms.course.application.ports import Membership
from lms.course.domain.courses import Course
from lms.course.domain.enrollments import (
    CURRENT,
    SEAT_HOLDING,
    Enrollment,
    EnrollmentState,
    SectionRole,
)
from lms.course.domain.sections import Section
from lms.course.domain.users import KnownUser
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.persistence.keyset import KeysetOrder, fetch_cursor_page

_CURRENT = [s.value for s in CURRENT]
_SEAT_HOLDING = [s.value for s in SEAT_HOLDING]
_LIVE = EnrollmentRecord.deleted_at.is_(None)


_ENROLLMENT_COLUMNS = tuple(EnrollmentRecord.__table__.c)
_SECTION_COLUMNS = tuple(SectionRecord.__table__.c)
_COURSE_COLUMNS = tuple(CourseRecord.__table__.c)
_ENROLLMENT_AT_0 = RowMapper(Enrollment, [c.name for c in _ENROLLMENT_COLUMNS])
_SECTION_AFTER_ENROLLMENT = RowMapper(
    Section, [c.name for c in _SECTION_COLUMNS], len(_ENROLLMENT_COLUMNS)
)
_COURSE_AFTER_BOTH = RowMapper(
    Course, [c.name for c in _COURSE_COLUMNS], len(_ENROLLMENT_COLUMNS) + len(_SECTION_COLUMNS)
)
# Built once: SQLAlchemy then reuses its cache key and compiled form on every request.
_MY_COURSES = (
    select(*_ENROLLMENT_COLUMNS, *_SECTION_COLUMNS, *_COURSE_COLUMNS)
    .select_from(EnrollmentRecord)
    .join(SectionRecord, SectionRecord.id == EnrollmentRecord.section_id)
    .join(CourseRecord, CourseRecord.id == EnrollmentRecord.course_id)
    .where(
        EnrollmentRecord.user_id == bindparam("user_id"),
        EnrollmentRecord.tenant_id == bindparam("tenant_id"),
        EnrollmentRecord.deleted_at.is_(None),
        EnrollmentRecord.state.in_([s.value for s in CURRENT]),
        SectionRecord.deleted_at.is_(None),
        CourseRecord.deleted_at.is_(None),
    )
    .order_by(CourseRecord.code, CourseRecord.id, SectionRecord.code, EnrollmentRecord.id)
)


_ENROLLMENTS = EnrollmentRecord.__table__
# Oldest enrollment first; index (section_id, created_at, id) of live rows: migration 0005.
_ROSTER_ORDER = KeysetOrder((_ENROLLMENTS.c.created_at, _ENROLLMENTS.c.id))


def _entity(record: EnrollmentRecord) -> Enrollment:
    return to_entity(record, Enrollment)


class SqlAlchemyEnrollments:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _all(self, *conditions: object) -> list[Enrollment]:
        query = select(EnrollmentRecord).where(*conditions).order_by(EnrollmentRecord.created_at, EnrollmentRecord.id)  # type: ignore[arg-type]
        return [_entity(r) for r in (await self._session.execute(query)).scalars()]

    async def add(self, enrollment: Enrollment) -> None:
        self._session.add(new_record(EnrollmentRecord, enrollment))
        await flush(self._session)

    async def get(self, enrollment_id: UUID) -> Enrollment | None:
        query = (
            select(EnrollmentRecord)
            .where(EnrollmentRecord.id == enrollment_id)
            .execution_options(populate_existing=True)
        )
        record = (await self._session.execute(query)).scalar_one_or_none()
        return _entity(record) if record else None

    async def save(self, enrollment: Enrollment) -> None:
        record = await self._session.get(EnrollmentRecord, enrollment.id)
        if record is None:
            raise LookupError(f"enrollment {enrollment.id} was not loaded")
        copy_into(record, enrollment)
        await flush(self._session)

    async def find(self, section_id: UUID, user_id: UUID) -> Enrollment | None:
        found = await self._all(
            EnrollmentRecord.section_id == section_id, EnrollmentRecord.user_id == user_id, _LIVE
        )
        return found[0] if found else None

    async def seats_taken(self, section_id: UUID) -> int:
        query = select(func.count()).where(
            EnrollmentRecord.section_id == section_id,
            _LIVE,
            EnrollmentRecord.role == SectionRole.STUDENT.value,
            EnrollmentRecord.state.in_(_SEAT_HOLDING),
        )
        return int((await self._session.execute(query)).scalar_one())

    async def next_waitlisted(self, section_id: UUID) -> Enrollment | None:
        found = await self._all(
            EnrollmentRecord.section_id == section_id,
            _LIVE,
            EnrollmentRecord.state == EnrollmentState.WAITLISTED.value,
        )
        return found[0] if found else None

    async def roster(
        self, section_id: UUID, page: CursorPageRequest, *, role: SectionRole | None = None,
        state: EnrollmentState | None = None,
    ) -> CursorPage[Enrollment]:  # fmt: skip
        query = select(*_ENROLLMENT_COLUMNS).where(_ENROLLMENTS.c.section_id == section_id, _LIVE)
        if role is not None:
            query = query.where(_ENROLLMENTS.c.role == role.value)
        if state is not None:
            query = query.where(_ENROLLMENTS.c.state == state.value)
        return await fetch_cursor_page(self._session, query, _ROSTER_ORDER, page, _ENROLLMENT_AT_0)

    async def memberships(self, user_id: UUID, course_id: UUID) -> list[Membership]:
        query = select(
            EnrollmentRecord.section_id, EnrollmentRecord.role, EnrollmentRecord.state
        ).where(
            EnrollmentRecord.user_id == user_id,
            EnrollmentRecord.course_id == course_id,
            _LIVE,
            EnrollmentRecord.state.in_(_CURRENT),
        )
        return [
            Membership(
                section_id=row.section_id,
                role=SectionRole(row.role),
                state=EnrollmentState(row.state),
            )
            for row in await self._session.execute(query)
        ]

    async def current_with_context(
        self, user_id: UUID, tenant_id: str
    ) -> list[tuple[Enrollment, Section, Course]]:
        result = await self._session.execute(
            _MY_COURSES, {"user_id": user_id, "tenant_id": tenant_id}
        )
        return [
            (_ENROLLMENT_AT_0(row), _SECTION_AFTER_ENROLLMENT(row), _COURSE_AFTER_BOTH(row))
            for row in result
        ]

    async def live_of_user(self, user_id: UUID) -> list[Enrollment]:
        return await self._all(EnrollmentRecord.user_id == user_id, _LIVE)

    async def live_of_course(self, course_id: UUID) -> list[Enrollment]:
        return await self._all(EnrollmentRecord.course_id == course_id, _LIVE)

    async def live_of_section(self, section_id: UUID) -> list[Enrollment]:
        return await self._all(EnrollmentRecord.section_id == section_id, _LIVE)

    async def active_count_of_course(self, course_id: UUID) -> int:
        query = select(func.count()).where(
            EnrollmentRecord.course_id == course_id,
            _LIVE,
            EnrollmentRecord.state == EnrollmentState.ACTIVE.value,
        )
        return int((await self._session.execute(query)).scalar_one())

    async def changed_since(
        self, tenant_id: str | None, since: datetime | None, after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[Enrollment]:  # fmt: skip
        query = select(EnrollmentRecord)
        if tenant_id is not None:
            query = query.where(EnrollmentRecord.tenant_id == tenant_id)
        if since is not None:
            query = query.where(EnrollmentRecord.updated_at >= since)
        if after is not None:
            query = query.where(
                tuple_(EnrollmentRecord.updated_at, EnrollmentRecord.id)
                > tuple_(literal(after[0]), literal(after[1]))
            )
        query = query.order_by(EnrollmentRecord.updated_at, EnrollmentRecord.id).limit(limit)
        return [_entity(r) for r in (await self._session.execute(query)).scalars()]


class SqlAlchemyUserDirectory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, user_id: UUID) -> KnownUser | None:
        record = await self._session.get(KnownUserRecord, user_id)
        return to_entity(record, KnownUser) if record else None

    async def lock(self, user_id: UUID) -> KnownUser | None:
        query = (
            select(KnownUserRecord)
            .where(KnownUserRecord.id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        record = (await self._session.execute(query)).scalar_one_or_none()
        return to_entity(record, KnownUser) if record else None

    async def add(self, user: KnownUser) -> None:
        self._session.add(new_record(KnownUserRecord, user))
        await flush(self._session)

    async def save(self, user: KnownUser) -> None:
        record = await self._session.get(KnownUserRecord, user.id)
        if record is None:
            raise LookupError(f"user {user.id} was not loaded")
        copy_into(record, user)
        await flush(self._session)

    async def by_emails(self, tenant_id: str, emails: Sequence[str]) -> dict[str, KnownUser]:
        if not emails:
            return {}
        query = select(KnownUserRecord).where(
            KnownUserRecord.tenant_id == tenant_id,
            KnownUserRecord.email.in_([e.lower() for e in emails]),
            KnownUserRecord.deleted_at.is_(None),
        )
        return {
            r.email: to_entity(r, KnownUser) for r in (await self._session.execute(query)).scalars()
        }


__all__ = ["SqlAlchemyEnrollments", "SqlAlchemyUserDirectory"]
