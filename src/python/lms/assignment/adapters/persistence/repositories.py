"""Repositories on the unit of work's session: aggregates loaded for a change and written back.
Overrides are synced by id (updated in place, added, removed), never replaced wholesale."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from lms.assignment.adapters.persistence.mapping import (
    assignment_from_row,
    assignment_values,
    late_policy_from_row,
    late_policy_values,
    override_values,
)
from lms.assignment.adapters.persistence.models import (
    AssignmentRecord,
    KnownCourseRecord,
    LatePolicyRecord,
    OverrideRecord,
)
from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.courses import KnownCourse
from lms.assignment.domain.late_policies import CourseLatePolicy


class SqlAssignmentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # The session's identity map holds records weakly; these stay until ``save``.
        self._loaded: dict[UUID, AssignmentRecord] = {}

    async def _record(self, tenant_id: str, assignment_id: UUID) -> AssignmentRecord | None:
        record = await self._session.scalar(
            select(AssignmentRecord)
            .where(AssignmentRecord.id == assignment_id, AssignmentRecord.tenant_id == tenant_id)
            .options(selectinload(AssignmentRecord.overrides))
        )
        if record is not None:
            self._loaded[record.id] = record
        return record

    async def get(self, tenant_id: str, assignment_id: UUID) -> Assignment | None:
        record = await self._record(tenant_id, assignment_id)
        if record is None:
            return None
        return assignment_from_row(record, record.overrides)

    async def add(self, assignment: Assignment) -> None:
        record = AssignmentRecord(id=assignment.id, **assignment_values(assignment))
        record.overrides = [
            OverrideRecord(id=o.id, tenant_id=assignment.tenant_id, **override_values(o))
            for o in assignment.overrides
        ]
        self._session.add(record)

    async def save(self, assignment: Assignment) -> None:
        record = self._loaded.get(assignment.id)
        if record is None:
            raise LookupError(f"assignment {assignment.id} was not loaded in this unit of work")
        children = list(record.overrides)
        for name, value in assignment_values(assignment).items():
            setattr(record, name, value)
        wanted = {o.id: o for o in assignment.overrides}
        kept: list[OverrideRecord] = []
        for child in children:
            override = wanted.pop(child.id, None)
            if override is None:
                continue  # removed: delete-orphan deletes it
            for name, value in override_values(override).items():
                setattr(child, name, value)
            kept.append(child)
        kept += [
            OverrideRecord(id=o.id, tenant_id=assignment.tenant_id, **override_values(o))
            for o in wanted.values()
        ]
        record.overrides = kept

    async def live_in_course(self, tenant_id: str, course_id: UUID) -> Sequence[Assignment]:
        records = await self._session.scalars(
            select(AssignmentRecord)
            .where(
                AssignmentRecord.tenant_id == tenant_id,
                AssignmentRecord.course_id == course_id,
                AssignmentRecord.deleted_at.is_(None),
            )
            .order_by(AssignmentRecord.id)
            .with_for_update()
            .options(selectinload(AssignmentRecord.overrides))
        )
        loaded = list(records)
        self._loaded.update((r.id, r) for r in loaded)
        return [assignment_from_row(r, r.overrides) for r in loaded]


class SqlLatePolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, tenant_id: str, course_id: UUID) -> CourseLatePolicy | None:
        record = await self._session.get(LatePolicyRecord, course_id)
        if record is None or record.tenant_id != tenant_id:
            return None
        return late_policy_from_row(record)

    async def save(self, policy: CourseLatePolicy) -> None:
        record = await self._session.get(LatePolicyRecord, policy.course_id)
        if record is None:
            self._session.add(
                LatePolicyRecord(course_id=policy.course_id, **late_policy_values(policy))
            )
            return
        for name, value in late_policy_values(policy).items():
            setattr(record, name, value)


class SqlKnownCourseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def apply(self, course: KnownCourse) -> bool:
        values = {
            "tenant_id": course.tenant_id,
            "status": course.status,
            "version": course.version,
            "updated_at": course.updated_at,
            "deleted": course.deleted,
        }
        insert = pg_insert(KnownCourseRecord).values(course_id=course.course_id, **values)
        upsert = insert.on_conflict_do_update(
            index_elements=[KnownCourseRecord.course_id],
            set_=values,
            where=KnownCourseRecord.version < insert.excluded.version,
        ).returning(KnownCourseRecord.course_id)
        return (await self._session.scalar(upsert)) is not None
