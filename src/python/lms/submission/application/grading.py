"""Grading: a score (and the grade its grading type makes), excused, a late-policy override and
a comment, by a grader of the course; posting makes grades and comments visible to students.
The late deduction is the kernel's rule on the latest attempt."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from lms.submission.application.access import not_found, standing_in
from lms.submission.application.ports import SubmissionUnitOfWork
from lms.submission.domain.assignments import AssignmentRules, GradePosting
from lms.submission.domain.events import GradePosted, GradeRecorded, event_of
from lms.submission.domain.grades import check_score, deducted, grade_for
from lms.submission.domain.rubrics import CriterionScore, assess
from lms.submission.domain.submissions import (
    Comment,
    Grade,
    LateStatus,
    Submission,
    evaluate_attempt,
)
from lms_platform.kernel.errors import InvalidInput, NotFound
from lms_platform.kernel.grading import GradingType
from lms_platform.kernel.membership import Membership, MembershipReader
from lms_platform.kernel.ports import Clock, IdGenerator
from lms_platform.kernel.principal import Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class GradeCommand:
    score: Decimal | None = None
    excused: bool | None = None
    late_status: LateStatus | None = None
    comment: str | None = None
    rubric_assessment: Mapping[str, CriterionScore] | None = None

    def check(self) -> None:
        if self.score is not None and self.rubric_assessment is not None:
            raise InvalidInput(
                "send a score or a rubric assessment (whose points make the score), not both",
                field="rubric_assessment",
            )


# Grading types whose grade comes from the course's grading scheme.
_SCHEMED = frozenset({GradingType.LETTER_GRADE, GradingType.GPA_SCALE})


def student_sections(memberships: Sequence[Membership], course_id: UUID) -> list[UUID]:
    return [m.section_id for m in memberships if m.is_active_student and m.course_id == course_id]


class ApplyGrade:
    """The grade itself, on a submission its caller has locked: the score (entered, or the sum
    of a rubric assessment), the kernel's late deduction on the latest attempt, the grade its
    grading type makes, a comment; posting under automatic posting. Records ``grade.recorded``
    (and ``grade.posted``); the caller commits."""

    def __init__(self, uow: SubmissionUnitOfWork, clock: Clock, ids: IdGenerator) -> None:
        self._uow, self._clock, self._ids = uow, clock, ids

    async def __call__(
        self, principal: Principal, rules: AssignmentRules, submission: Submission,
        command: GradeCommand, sections: Sequence[UUID],
    ) -> None:  # fmt: skip
        uow = self._uow
        now = self._clock.now()
        latest = submission.latest
        entered_now = command.score
        if command.rubric_assessment is not None:
            # Shared: a rubric is not changed while an assessment of it is being written.
            rubric = await uow.rubrics.of_assignment(rules.tenant_id, rules.id, share=True)
            if rubric is None:
                raise InvalidInput("the assignment has no rubric", field="rubric_assessment")
            assessment = assess(rubric, command.rubric_assessment, by=principal.user_id, at=now)
            submission.rubric_assessment = assessment
            entered_now = assessment.score
        if command.late_status is not None:
            submission.late_status = command.late_status
        excused = submission.excused if command.excused is None else command.excused
        grade = submission.grade
        entered = (
            entered_now if entered_now is not None else (grade.entered_score if grade else None)
        )
        if entered is not None and not excused:
            check_score(entered, rules.points_possible)
            policy = await uow.copies.policy(rules.tenant_id, rules.course_id)
            evaluation = evaluate_attempt(
                latest.submitted_at if latest else None, rules,
                rules.dates_for(submission.student_id, sections), policy, now,
            )  # fmt: skip
            deduction = deducted(entered, rules.points_possible, evaluation, submission.late_status)
            final = max(entered - deduction, Decimal(0))
            scheme = (
                await uow.schemes.of_course(rules.tenant_id, rules.course_id)
                if rules.grading_type in _SCHEMED
                else None
            )
            grade = Grade(
                entered_score=entered, score=final,
                grade=grade_for(final, rules.points_possible, rules.grading_type, scheme),
                points_deducted=deduction, graded_by=principal.user_id, graded_at=now,
                attempt=latest.number if latest else 0,
            )  # fmt: skip
        if command.comment:
            submission.add_comment(
                Comment(
                    id=self._ids.new_id(), attempt=latest.number if latest else 0,
                    author_id=principal.user_id, text=command.comment, created_at=now,
                )  # fmt: skip
            )
        submission.record_grade(grade, excused=excused, at=now)
        posts_now = rules.grade_posting is GradePosting.AUTOMATIC and not submission.posted
        if posts_now:
            submission.post(now)
        await uow.submissions.save(submission)
        uow.record(event_of(GradeRecorded, submission))
        if posts_now and submission.posted:
            uow.record(event_of(GradePosted, submission))


class GradeSubmission:
    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, apply: ApplyGrade
    ) -> None:
        self._uow, self._memberships, self._apply = uow, memberships, apply

    async def __call__(
        self, principal: Principal, submission_id: UUID, command: GradeCommand
    ) -> Submission:
        uow = self._uow
        found = await uow.submissions.get(principal.tenant_id, submission_id)
        if found is None:
            raise not_found()
        rules = await uow.copies.rules(found.tenant_id, found.assignment_id)
        if rules is None:
            raise not_found()
        # Memberships first, with no connection held (handing_in.py), then the locked row.
        await uow.rollback()
        standing = await standing_in(self._memberships, principal, found.tenant_id, found.course_id)
        student_memberships = await self._memberships.of_user(found.tenant_id, found.student_id)
        if not standing.may_read_all():
            raise not_found()
        standing.ensure_grader()
        command.check()
        if command == GradeCommand():
            return found  # nothing asked, nothing changed
        submission = await uow.submissions.get(found.tenant_id, found.id, for_update=True)
        if submission is None:
            raise not_found()
        sections = student_sections(student_memberships, rules.course_id)
        await self._apply(principal, rules, submission, command, sections)
        await uow.commit()
        return submission


class PostGrades:
    """``POST /assignments/{id}/grades/post``: every graded submission of the assignment becomes
    visible to its student (and, under anonymous grading, to graders by name)."""

    def __init__(
        self, uow: SubmissionUnitOfWork, memberships: MembershipReader, clock: Clock
    ) -> None:
        self._uow, self._memberships, self._clock = uow, memberships, clock

    async def __call__(self, principal: Principal, assignment_id: UUID) -> int:
        uow = self._uow
        rules = await uow.copies.rules(principal.tenant_id, assignment_id)
        if rules is None:
            raise NotFound("assignment not found")
        await uow.rollback()  # release the connection before the reader takes one
        standing = await standing_in(self._memberships, principal, rules.tenant_id, rules.course_id)
        standing.ensure_grader()
        now = self._clock.now()
        posted = 0
        for submission in await uow.submissions.of_assignment(rules.tenant_id, assignment_id):
            if submission.post(now):
                await uow.submissions.save(submission)
                uow.record(event_of(GradePosted, submission))
                posted += 1
        await uow.commit()
        return posted
