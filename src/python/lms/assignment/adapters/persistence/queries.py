"""The read side: assignments as callers see them, on Core rows (no identity map), each read in
its own short session outside any transaction the caller holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Uuid, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lms.assignment.adapters.persistence.mapping import (
    assignment_from_row,
    known_course_from_row,
    late_policy_from_row,
)
from lms.assignment.adapters.persistence.models import (
    AssignmentRecord,
    KnownCourseRecord,
    LatePolicyRecord,
    OverrideRecord,
)
from lms.assignment.application.ports import CourseListing
from lms.assignment.domain.assignments import Assignment, AssignmentStatus
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms_platform.kernel.grading import OverrideTarget
from lms_platform.kernel.pagination import CursorPage, CursorPageRequest
from lms_platform.persistence.keyset import KeysetOrder, fetch_cursor_page

_ASSIGNMENT = AssignmentRecord.__table__
_OVERRIDE = OverrideRecord.__table__
_IDS = ARRAY(Uuid())
# The two reads of every GET /me/assignments, built once: bind parameters (an array, not an
# expanding IN), so SQLAlchemy compiles neither again.
_REVISION = select(func.count(), func.coalesce(func.sum(_ASSIGNMENT.c.version), 0)).where(
    _ASSIGNMENT.c.tenant_id == bindparam("tenant_id"),
    _ASSIGNMENT.c.course_id == any_(bindparam("course_ids", type_=_IDS)),
)
_MANY = select(_ASSIGNMENT).where(
    _ASSIGNMENT.c.tenant_id == bindparam("tenant_id"),
    _ASSIGNMENT.c.id == any_(bindparam("ids", type_=_IDS)),
)


async def _overrides_of(
    session: AsyncSession, assignment_ids: Sequence[UUID], condition: Any = None
) -> dict[UUID, list[Any]]:
    if not assignment_ids:
        return {}
    statement = (
        select(_OVERRIDE)
        .where(_OVERRIDE.c.assignment_id.in_(assignment_ids))
        .order_by(_OVERRIDE.c.created_at, _OVERRIDE.c.id)
    )
    if condition is not None:
        statement = statement.where(condition)
    grouped: dict[UUID, list[Any]] = defaultdict(list)
    for row in (await session.execute(statement)).all():
        grouped[row.assignment_id].append(row)
    return grouped


class SqlAssignmentReader:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, tenant_id: str, assignment_id: UUID) -> Assignment | None:
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(_ASSIGNMENT).where(
                        _ASSIGNMENT.c.id == assignment_id, _ASSIGNMENT.c.tenant_id == tenant_id
                    )
                )
            ).first()
            if row is None:
                return None
            overrides = await _overrides_of(session, [row.id])
        return assignment_from_row(row, overrides.get(row.id, ()))

    async def page_of_course(
        self, listing: CourseListing, page: CursorPageRequest
    ) -> CursorPage[Assignment]:
        table = _ASSIGNMENT
        conditions = [
            table.c.tenant_id == listing.tenant_id,
            table.c.course_id == listing.course_id,
            table.c.deleted_at.is_(None),
        ]
        if listing.section_id is not None:
            conditions.append(
                or_(
                    func.cardinality(table.c.section_ids) == 0,
                    table.c.section_ids.contains([listing.section_id]),
                )
            )
        if listing.status is not None:
            conditions.append(table.c.status == listing.status.value)
        if listing.due_after is not None:
            conditions.append(table.c.due_at >= listing.due_after)
        if listing.due_before is not None:
            conditions.append(table.c.due_at < listing.due_before)
        column = (
            table.c.created_at if listing.sort.lstrip("-") == "created_at" else table.c.due_order
        )
        # (column, id): served by ix_assignments_course_due / _created, forwards or backwards.
        order = KeysetOrder((column, table.c.id), descending=listing.sort.startswith("-"))
        async with self._sessions() as session:
            found = await fetch_cursor_page(
                session, select(table).where(*conditions), order, page, lambda row: row
            )
            overrides = await _overrides_of(session, [r.id for r in found.items])
        return CursorPage(
            items=[assignment_from_row(r, overrides.get(r.id, ())) for r in found.items],
            limit=found.limit,
            next_key=found.next_key,
            total=found.total,
        )

    async def published_for_student(
        self,
        tenant_id: str,
        course_ids: Collection[UUID],
        section_ids: Collection[UUID],
        student_id: UUID,
    ) -> Sequence[Assignment]:
        if not course_ids or not section_ids:
            return []
        sections = list(section_ids)
        statement = select(_ASSIGNMENT).where(
            _ASSIGNMENT.c.tenant_id == tenant_id,
            _ASSIGNMENT.c.course_id.in_(list(course_ids)),
            _ASSIGNMENT.c.status == AssignmentStatus.PUBLISHED.value,
            _ASSIGNMENT.c.deleted_at.is_(None),
            or_(
                func.cardinality(_ASSIGNMENT.c.section_ids) == 0,
                _ASSIGNMENT.c.section_ids.overlap(sections),
            ),
        )
        mine = or_(
            and_(
                _OVERRIDE.c.target == OverrideTarget.STUDENT.value,
                _OVERRIDE.c.target_id == student_id,
            ),
            and_(
                _OVERRIDE.c.target == OverrideTarget.SECTION.value,
                _OVERRIDE.c.target_id.in_(sections),
            ),
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
            overrides = await _overrides_of(session, [r.id for r in rows], mine)
        return [assignment_from_row(r, overrides.get(r.id, ())) for r in rows]

    async def revision(self, tenant_id: str, course_ids: Collection[UUID]) -> tuple[int, int]:
        params = {"tenant_id": tenant_id, "course_ids": list(course_ids)}
        async with self._sessions() as session:
            count, versions = (await session.execute(_REVISION, params)).one()
        return int(count), int(versions)

    async def many(self, tenant_id: str, assignment_ids: Collection[UUID]) -> Sequence[Assignment]:
        if not assignment_ids:
            return []
        params = {"tenant_id": tenant_id, "ids": list(assignment_ids)}
        async with self._sessions() as session:
            rows = (await session.execute(_MANY, params)).all()
        return [assignment_from_row(r) for r in rows]

    async def late_policy(self, tenant_id: str, course_id: UUID) -> CourseLatePolicy | None:
        table = LatePolicyRecord.__table__
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(table).where(
                        table.c.course_id == course_id, table.c.tenant_id == tenant_id
                    )
                )
            ).first()
        return late_policy_from_row(row) if row is not None else None

    async def course(self, tenant_id: str, course_id: UUID) -> KnownCourse | None:
        table = KnownCourseRecord.__table__
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(table).where(
                        table.c.course_id == course_id, table.c.tenant_id == tenant_id
                    )
                )
            ).first()
        return known_course_from_row(row) if row is not None else None
