"""``GET /assignments/{id}/late-policy/preview``: what the course's late policy would make of a
submission at ``submitted_at`` (or of none so far) for one student, with the dates that apply
to them. The rule is the kernel's, the one the submission service applies.

Staff preview any student (or the assignment's own dates, for no student); a student only
themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lms.assignment.application.access import standing_in, student_courses
from lms.assignment.application.ports import AssignmentReader
from lms.assignment.application.views import visible_or_404
from lms.assignment.domain.assignments import Assignment
from lms.assignment.domain.late_policies import CourseLatePolicy
from lms.assignment.domain.visibility import dates_for
from lms_platform.kernel.errors import NotFound, PermissionDenied
from lms_platform.kernel.grading import EffectiveDates, LateEvaluation, evaluate
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.ports import Clock
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True)
class LatePreview:
    assignment: Assignment
    student_id: UUID | None
    submitted_at: datetime | None
    evaluated_at: datetime
    dates: EffectiveDates
    policy: CourseLatePolicy
    evaluation: LateEvaluation


class PreviewLatePolicy:
    def __init__(
        self, reader: AssignmentReader, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._reader, self._memberships, self._clock = reader, memberships, clock

    async def __call__(
        self,
        principal: Principal,
        assignment_id: UUID,
        *,
        submitted_at: datetime | None = None,
        student_id: UUID | None = None,
    ) -> LatePreview:
        tenant = principal.tenant_id
        assignment = await self._reader.get(tenant, assignment_id)
        if assignment is None:
            raise NotFound("assignment not found")
        now = self._clock.now()
        standing = await standing_in(self._memberships, principal, tenant, assignment.course_id)
        view = visible_or_404(standing, assignment, now)
        if view.as_staff:
            sections: frozenset[UUID] = frozenset()
            if student_id is not None:
                theirs = await self._memberships.of_user(tenant, student_id)
                sections = student_courses(theirs).get(assignment.course_id, frozenset())
            dates = dates_for(assignment, student_id, sections)
        else:
            if student_id is not None and student_id != view.student_id:
                raise PermissionDenied("students preview their own dates only")
            student_id, dates = view.student_id, view.dates
        policy = await self._reader.late_policy(tenant, assignment.course_id)
        policy = policy or CourseLatePolicy.default(tenant, assignment.course_id, now)
        evaluation = evaluate(
            submitted_at,
            dates,
            policy.policy,
            now=now,
            grading_type=assignment.content.grading_type,
            expects_submission=assignment.content.expects_submission,
        )
        return LatePreview(assignment, student_id, submitted_at, now, dates, policy, evaluation)
