"""Changing an assignment: ``PUT`` (every editable field), ``PATCH`` (some, and the status),
``DELETE`` (a tombstone, so the event stream can say it is gone). ``If-Match`` versions guard
against lost updates; a concurrent change answers 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from lms.assignment.application.access import ASSIGNMENT_UPDATE, standing_in
from lms.assignment.application.ports import AssignmentUnitOfWork
from lms.assignment.application.views import ensure_may_change
from lms.assignment.domain.assignments import (
    Assignment,
    AssignmentContent,
    AssignmentStatus,
    content_with,
)
from lms.assignment.domain.events import (
    AssignmentDeleted,
    AssignmentPublished,
    AssignmentUpdated,
    assignment_event,
)
from lms_platform.kernel.errors import NotFound, PreconditionFailed
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class _Writer:
    def __init__(
        self, uow: AssignmentUnitOfWork, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._uow, self._memberships, self._clock = uow, memberships, clock

    async def _load(
        self, principal: Principal, assignment_id: UUID, expected_version: int | None
    ) -> Assignment:
        assignment = await self._uow.assignments.get(principal.tenant_id, assignment_id)
        if assignment is None or assignment.is_deleted:
            raise NotFound("assignment not found")
        standing = await standing_in(
            self._memberships, principal, assignment.tenant_id, assignment.course_id
        )
        ensure_may_change(standing, assignment, ASSIGNMENT_UPDATE, self._clock.now())
        if expected_version is not None and expected_version != assignment.version:
            raise PreconditionFailed(
                f"the assignment changed since version {expected_version}; "
                f"it is now {assignment.version}"
            )
        return assignment

    async def _change(
        self,
        principal: Principal,
        assignment_id: UUID,
        content: Callable[[AssignmentContent], AssignmentContent],
        status: AssignmentStatus | None,
        expected_version: int | None,
    ) -> Assignment:
        """``content`` makes the new content from the current one."""
        assignment = await self._load(principal, assignment_id, expected_version)
        now = self._clock.now()
        changed = assignment.edit(content(assignment.content), now)
        if status is not None and assignment.change_status(status, now):
            changed.append("status")
        if not changed:
            return assignment
        kind = (
            AssignmentPublished
            if "status" in changed and assignment.is_published
            else AssignmentUpdated
        )
        await self._uow.assignments.save(assignment)
        self._uow.record(assignment_event(kind, assignment, changed))
        await self._uow.commit()
        return assignment


class ReplaceAssignment(_Writer):
    async def __call__(
        self,
        principal: Principal,
        assignment_id: UUID,
        content: AssignmentContent,
        status: AssignmentStatus | None = None,
        expected_version: int | None = None,
    ) -> Assignment:
        return await self._change(
            principal, assignment_id, lambda _: content, status, expected_version
        )


class PatchAssignment(_Writer):
    async def __call__(
        self,
        principal: Principal,
        assignment_id: UUID,
        changes: dict[str, Any],
        status: AssignmentStatus | None = None,
        expected_version: int | None = None,
    ) -> Assignment:
        def patched(current: AssignmentContent) -> AssignmentContent:
            return content_with(current, dict(changes))

        return await self._change(principal, assignment_id, patched, status, expected_version)


class DeleteAssignment(_Writer):
    async def __call__(
        self, principal: Principal, assignment_id: UUID, expected_version: int | None = None
    ) -> None:
        assignment = await self._load(principal, assignment_id, expected_version)
        assignment.delete(self._clock.now())
        await self._uow.assignments.save(assignment)
        self._uow.record(assignment_event(AssignmentDeleted, assignment, ["deleted_at"]))
        await self._uow.commit()
