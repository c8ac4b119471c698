"""A course's late policy: its members read it (students should know the rule), staff with
``assignment:update`` set it. ``assignment.late_policy_changed`` tells the submission service,
which applies the same rule (``lms_platform.kernel.grading``)."""

from __future__ import annotations

from uuid import UUID

from lms.assignment.application.access import ASSIGNMENT_UPDATE, standing_in
from lms.assignment.application.ports import AssignmentReader, AssignmentUnitOfWork
from lms.assignment.domain.events import late_policy_changed
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms_platform.kernel.errors import PreconditionFailed
from lms_platform.kernel.grading import LatePolicy
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


class GetLatePolicy:
    def __init__(
        self, reader: AssignmentReader, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._reader, self._memberships, self._clock = reader, memberships, clock

    async def __call__(self, principal: Principal, course_id: UUID) -> CourseLatePolicy:
        tenant = principal.tenant_id
        standing = await standing_in(self._memberships, principal, tenant, course_id)
        standing.ensure_in_course()
        stored = await self._reader.late_policy(tenant, course_id)
        return stored or CourseLatePolicy.default(tenant, course_id, self._clock.now())


class SetLatePolicy:
    def __init__(
        self, uow: AssignmentUnitOfWork, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._uow, self._memberships, self._clock = uow, memberships, clock

    async def __call__(
        self,
        principal: Principal,
        course_id: UUID,
        policy: LatePolicy,
        expected_version: int | None = None,
    ) -> CourseLatePolicy:
        tenant = principal.tenant_id
        standing = await standing_in(self._memberships, principal, tenant, course_id)
        standing.ensure_staff_with(ASSIGNMENT_UPDATE)
        now = self._clock.now()
        current = await self._uow.late_policies.get(tenant, course_id)
        course_policy = current or CourseLatePolicy.default(tenant, course_id, now)
        if expected_version is not None and expected_version != course_policy.version:
            raise PreconditionFailed(
                f"the policy changed since version {expected_version}; "
                f"it is now {course_policy.version}"
            )
        if course_policy.change(policy, principal.user_id, now):
            await self._uow.late_policies.save(course_policy)
            self._uow.record(late_policy_changed(course_policy))
            await self._uow.commit()
        return course_policy
