"""Date overrides of one assignment: for a section, or for one student (an extension). Staff
list them; staff with ``assignment:update`` add, change and remove them. Each change publishes
``assignment.override_changed`` with the whole assignment, overrides included.

Targets are not checked against the roster: the membership read model may lag behind the
course service, and an override for someone not in the course simply applies to nobody."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from lms.assignment.application.access import ASSIGNMENT_UPDATE, standing_in
from lms.assignment.application.ports import AssignmentReader, AssignmentUnitOfWork
from lms.assignment.application.views import ensure_may_change, visible_or_404
from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.events import override_changed
from lms.assignment.domain.overrides import Override
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.grading import OverrideTarget
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


class ListOverrides:
    def __init__(
        self, reader: AssignmentReader, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._reader, self._memberships, self._clock = reader, memberships, clock

    async def __call__(self, principal: Principal, assignment_id: UUID) -> Sequence[Override]:
        assignment = await self._reader.get(principal.tenant_id, assignment_id)
        if assignment is None:
            raise NotFound("assignment not found")
        standing = await standing_in(
            self._memberships, principal, assignment.tenant_id, assignment.course_id
        )
        view = visible_or_404(standing, assignment, self._clock.now())
        if not view.as_staff:
            raise PermissionDenied("only the course's staff see the overrides")
        return assignment.overrides


class _OverrideWriter:
    def __init__(
        self,
        uow: AssignmentUnitOfWork,
        memberships: MembershipReader,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._memberships, self._clock, self._ids = uow, memberships, clock, ids

    async def _load(self, principal: Principal, assignment_id: UUID) -> Assignment:
        assignment = await self._uow.assignments.get(principal.tenant_id, assignment_id)
        if assignment is None or assignment.is_deleted:
            raise NotFound("assignment not found")
        standing = await standing_in(
            self._memberships, principal, assignment.tenant_id, assignment.course_id
        )
        ensure_may_change(standing, assignment, ASSIGNMENT_UPDATE, self._clock.now())
        return assignment

    async def _commit(self, assignment: Assignment, override_id: UUID, change: str) -> None:
        await self._uow.assignments.save(assignment)
        self._uow.record(override_changed(assignment, override_id, change))
        await self._uow.commit()


class AddOverride(_OverrideWriter):
    async def __call__(
        self,
        principal: Principal,
        assignment_id: UUID,
        target: OverrideTarget,
        target_id: UUID,
        dates: Mapping[str, datetime | None],
    ) -> Override:
        assignment = await self._load(principal, assignment_id)
        now = self._clock.now()
        override = Override.create(
            id=self._ids.new_id(), target=target, target_id=target_id, dates=dates, now=now
        )
        assignment.add_override(override, now)
        await self._commit(assignment, override.id, "created")
        return override


class ChangeOverride(_OverrideWriter):
    async def __call__(
        self,
        principal: Principal,
        assignment_id: UUID,
        override_id: UUID,
        dates: Mapping[str, datetime | None],
    ) -> Override:
        assignment = await self._load(principal, assignment_id)
        changed = assignment.replace_override(override_id, dates, self._clock.now())
        await self._commit(assignment, override_id, "updated")
        return changed


class RemoveOverride(_OverrideWriter):
    async def __call__(self, principal: Principal, assignment_id: UUID, override_id: UUID) -> None:
        assignment = await self._load(principal, assignment_id)
        assignment.remove_override(override_id, self._clock.now())
        await self._commit(assignment, override_id, "deleted")
