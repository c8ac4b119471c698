"""An assignment's rubric: put (create or replace) and delete by the course's graders, read by
them and by the students the assignment is for. Once a submission was assessed with it, the
rubric is kept as it is (409 ``rubric_in_use``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from lms.submission.application.access import Standing, standing_in
from lms.submission.application.handing_in import rules_or_404
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules
from lms.submission.domain.rubrics import (
    Criterion,
    Rating,
    Rubric,
    RubricInUse,
    RubricNotFound,
    check_criteria,
)
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.membership import MembershipReader
from lms_platform.kernel.permissions import Permission
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class RatingDraft:
    description: str
    points: Decimal
    id: str | None = None  # the service names it when absent


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionDraft:
    description: str
    points: Decimal
    ratings: Sequence[RatingDraft]
    long_description: str = ""
    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RubricDraft:
    title: str
    criteria: Sequence[CriterionDraft]


def _in_use() -> RubricInUse:
    return RubricInUse(
        "submissions were assessed with this rubric: it can no longer be changed or removed"
    )


async def _staff(
    uow: SubmissionUnitOfWork, memberships: MembershipReader, principal: Principal,
    assignment_id: UUID,
) -> tuple[AssignmentRules, Standing]:  # fmt: skip
    rules = await rules_or_404(uow, principal.tenant_id, assignment_id)
    await uow.rollback()  # release the connection before the reader takes one (handing_in.py)
    standing = await standing_in(memberships, principal, rules.tenant_id, rules.course_id)
    return rules, standing


class PutRubric:
    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, clock: Clock,
        ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._clock, self._ids = uow, memberships, clock, ids

    def _id(self, given: str | None) -> str:
        return given if given is not None else self._ids.new_id().hex[:12]

    async def __call__(
        self, principal: Principal, assignment_id: UUID, draft: RubricDraft
    ) -> Rubric:
        rules, standing = await _staff(self._uow, self._memberships, principal, assignment_id)
        standing.ensure_grader()
        criteria = check_criteria(
            [
                Criterion(
                    id=self._id(c.id),
                    description=c.description,
                    long_description=c.long_description,
                    points=c.points,
                    ratings=tuple(
                        Rating(id=self._id(r.id), description=r.description, points=r.points)
                        for r in c.ratings
                    ),
                )  # fmt: skip
                for c in draft.criteria
            ]
        )
        uow = self._uow
        current = await uow.rubrics.of_assignment(rules.tenant_id, rules.id, for_update=True)
        if current is not None and await uow.rubrics.assessed(current.id):
            raise _in_use()
        now = self._clock.now()
        rubric = Rubric(
            id=current.id if current else self._ids.new_id(), tenant_id=rules.tenant_id,
            assignment_id=rules.id, course_id=rules.course_id, title=draft.title, criteria=criteria,
            version=current.version + 1 if current else 1,
            created_by=current.created_by if current else principal.user_id,
            created_at=current.created_at if current else now, updated_at=now,
        )  # fmt: skip
        if not await uow.rubrics.put(rubric):
            raise _in_use()  # an assessment came first
        await uow.commit()
        return rubric


class GetRubric:
    """Graders of the course, and the students the (published) assignment is for."""

    def __init__(self, uow: SubmissionUnitOfWork, memberships: MembershipReader) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(self, principal: Principal, assignment_id: UUID) -> Rubric:
        rules, standing = await _staff(self._uow, self._memberships, principal, assignment_id)
        student = (
            rules.published
            and bool(standing.student_sections_for(rules))
            and principal.has_permission(Permission.SUBMISSION_READ_OWN)
        )
        if not (standing.may_read_all() or student):
            raise NotFound("assignment not found")
        rubric = await self._uow.rubrics.of_assignment(rules.tenant_id, rules.id)
        await self._uow.rollback()
        if rubric is None:
            raise RubricNotFound("the assignment has no rubric")
        return rubric


class DeleteRubric:
    def __init__(self, uow: SubmissionUnitOfWork, memberships: MembershipReader) -> None:
        self._uow, self._memberships = uow, memberships

    async def __call__(self, principal: Principal, assignment_id: UUID) -> None:
        rules, standing = await _staff(self._uow, self._memberships, principal, assignment_id)
        standing.ensure_grader()
        uow = self._uow
        current = await uow.rubrics.of_assignment(rules.tenant_id, rules.id, for_update=True)
        if current is None:
            raise RubricNotFound("the assignment has no rubric")
        if await uow.rubrics.assessed(current.id):
            raise _in_use()
        await uow.rubrics.delete(current.id)
        await uow.commit()
