"""Placeholder submissions, as in Canvas: every active student the assignment is for gets a
submission row (``unsubmitted``, no attempt), so that graders see and grade students who handed
nothing in by submission id, which is what anonymous grading needs (a student may not be named
there until the grade is posted, ``grading_by_student.ensure_nameable``).

``POST /assignments/{id}/submissions/placeholders``: an explicit grader call, so the listing
stays a pure read. No event: a placeholder is not a hand-in (the student's first hand-in onto it
is ``submission.created``, and a grade of it ``grade.recorded``, as for any submission)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from lms.submission.application.access import standing_in
from lms.submission.application.errors import AssignmentNotPublished
from lms.submission.application.grading_by_student import assigned_sections, unsubmitted
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules
from lms_platform.kernel.errors import NotFound
from lms_platform.kernel.membership import Membership, MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True)
class Placeholders:
    created: int  # submissions started now
    students: int  # active students the assignment is for: each has a submission now


def expected_students(rules: AssignmentRules, course: Sequence[Membership]) -> list[UUID]:
    """The active students of the sections the assignment is for, the rule a grade of work never
    handed in applies to one student (``assigned_sections``); sorted, so that two concurrent
    calls insert in one order and never deadlock."""
    return sorted({m.user_id for m in course if assigned_sections([m], rules)})


class MakePlaceholders:
    """Starts the submission of every active student of the assignment's sections who has none,
    in one transaction (``INSERT ... ON CONFLICT DO NOTHING``: a student handing in meanwhile
    keeps theirs). Idempotent; graders only; the assignment published and not deleted."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, clock: Clock,
        ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._clock, self._ids = uow, memberships, clock, ids

    async def __call__(self, principal: Principal, assignment_id: UUID) -> Placeholders:
        uow = self._uow
        rules = await uow.copies.rules(principal.tenant_id, assignment_id)
        if rules is None or rules.deleted:
            raise NotFound("assignment not found")
        # Memberships with no connection held (handing_in.py), then the rows.
        await uow.rollback()
        standing = await standing_in(self._memberships, principal, rules.tenant_id, rules.course_id)
        standing.ensure_grader()
        if not rules.published:
            raise AssignmentNotPublished(
                "the assignment is not published: no student is expected to hand anything in yet"
            )
        students = expected_students(
            rules, await self._memberships.in_course(rules.tenant_id, rules.course_id)
        )
        now = self._clock.now()
        created = await uow.submissions.add_unsubmitted(
            [unsubmitted(rules, student, self._ids, now) for student in students]
        )
        await uow.commit()
        return Placeholders(created=created, students=len(students))
