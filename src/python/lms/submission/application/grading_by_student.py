"""Grading a student named by id, whether or not they handed anything in: as in Canvas, a grader
may give a student who submitted nothing a 0 or any score, excuse them or comment.

``POST /assignments/{id}/students/{student_id}/grade`` (and bulk grading's ``student_id``)
grades the student's submission; when the student has none and is an active student of a
section the assignment is for (the assignment published), the grade creates it without an
attempt. Anyone else is 404. Under anonymous grading a student may not be named until their
grade is posted (403), whether or not they handed anything in, so that the answer never tells
who did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from lms.submission.application.access import not_found, standing_in
from lms.submission.application.grading import ApplyGrade, GradeCommand, student_sections
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules
from lms.submission.domain.submissions import Submission, WorkflowState
from lms_platform.kernel.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from lms_platform.kernel.membership import Membership, MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


def assigned_sections(memberships: Sequence[Membership], rules: AssignmentRules) -> list[UUID]:
    """The student's active sections of the course the assignment is for (every one of the
    course when it names none)."""
    sections = student_sections(memberships, rules.course_id)
    if rules.section_ids:
        sections = [s for s in sections if s in rules.section_ids]
    return sections


def may_start(rules: AssignmentRules, memberships: Sequence[Membership]) -> bool:
    """Whether a grade may create the submission of a student who has none."""
    return rules.published and not rules.deleted and bool(assigned_sections(memberships, rules))


def unsubmitted(
    rules: AssignmentRules, student_id: UUID, ids: IdGenerator, now: datetime
) -> Submission:
    """The student's submission before anything is handed in: no attempt, ``unsubmitted``."""
    return Submission(
        id=ids.new_id(), tenant_id=rules.tenant_id, assignment_id=rules.id,
        course_id=rules.course_id, student_id=student_id, state=WorkflowState.UNSUBMITTED,
        created_at=now, updated_at=now,
    )  # fmt: skip


def ensure_nameable(rules: AssignmentRules, submission: Submission | None) -> None:
    if rules.anonymous_grading and (submission is None or not submission.posted):
        raise PermissionDenied("grading is anonymous: name the submission, not the student")


async def locked_for_grading(
    uow: SubmissionUnitOfWork, clock: Clock, ids: IdGenerator, rules: AssignmentRules,
    student_id: UUID, memberships: Sequence[Membership],
) -> Submission:  # fmt: skip
    """The student's submission, locked; created without an attempt when they have none and a
    grade may start it (404 otherwise). The caller commits, or rolls back and nothing stays."""
    tenant = rules.tenant_id
    found = await uow.submissions.of_student(tenant, rules.id, student_id, for_update=True)
    if found is not None:
        return found
    if not may_start(rules, memberships):
        raise not_found()
    started = unsubmitted(rules, student_id, ids, clock.now())
    if await uow.submissions.add(started):
        return started
    # Created meanwhile (the student handed in, or another grader started it): grade that one.
    found = await uow.submissions.of_student(tenant, rules.id, student_id, for_update=True)
    if found is None:
        raise Conflict("the submission was changed concurrently; retry")
    return found


class GradeStudent:
    """``POST /assignments/{id}/students/{student_id}/grade``: as ``POST /submissions/{id}/grade``,
    for the student's submission, created by the grade when there is none. An empty body changes
    nothing: the submission as it is, or 422 when there is none (nothing to record)."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, apply: ApplyGrade,
        clock: Clock, ids: IdGenerator,
    ) -> None:  # fmt: skip
        self._uow, self._memberships, self._apply = uow, memberships, apply
        self._clock, self._ids = clock, ids

    async def __call__(
        self, principal: Principal, assignment_id: UUID, student_id: UUID, command: GradeCommand
    ) -> Submission:
        uow = self._uow
        rules = await uow.copies.rules(principal.tenant_id, assignment_id)
        if rules is None:
            raise NotFound("assignment not found")
        # Memberships first, with no connection held (handing_in.py), then the rows.
        await uow.rollback()
        standing = await standing_in(self._memberships, principal, rules.tenant_id, rules.course_id)
        standing.ensure_grader()
        command.check()
        memberships = await self._memberships.of_user(rules.tenant_id, student_id)
        found = await uow.submissions.of_student(rules.tenant_id, rules.id, student_id)
        if found is None and not may_start(rules, memberships):
            raise not_found()
        ensure_nameable(rules, found)
        if command == GradeCommand():
            if found is None:
                raise InvalidInput(
                    "nothing to record: send a score, a rubric assessment, excused, a late "
                    "status or a comment"
                )
            return found  # nothing asked, nothing changed
        submission = await locked_for_grading(
            uow, self._clock, self._ids, rules, student_id, memberships
        )
        await self._apply(
            principal, rules, submission, command, student_sections(memberships, rules.course_id)
        )
        await uow.commit()
        return submission
