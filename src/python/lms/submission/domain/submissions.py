"""A student's submission to one assignment: its attempts (every resubmission is a new one, the
history kept), its grade and the feedback, and the workflow between them.

Late, seconds late and the deduction are never computed here: they come from the kernel's one
late-policy rule (``lms_platform.kernel.grading.evaluate``), applied in ``evaluate_attempt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from lms.submission.domain.assignments import AssignmentRules, CoursePolicy, SubmissionKind
from lms.submission.domain.errors import AttemptLimitReached, SubmissionClosed
from lms.submission.domain.rubrics import RubricAssessment
from lms_platform.kernel.errors import InvalidInput
from lms_platform.kernel.grading import (
    NO_LATE_POLICY,
    EffectiveDates,
    LateEvaluation,
    SubmissionWindow,
    evaluate,
)

MAX_TEXT = 100_000
MAX_URL = 2048
MAX_COMMENT = 8192


class WorkflowState(StrEnum):
    UNSUBMITTED = "unsubmitted"
    SUBMITTED = "submitted"
    GRADED = "graded"
    RETURNED = "returned"  # graded and posted: the student sees it
    EXCUSED = "excused"


class LateStatus(StrEnum):
    """A grader's override of what the late policy found."""

    LATE = "late"
    MISSING = "missing"
    EXTENDED = "extended"
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFile:
    id: UUID
    filename: str
    key: str
    size: int
    content_type: str
    sha256: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Work:
    """What one attempt hands in: files, a text or a URL."""

    kind: SubmissionKind
    files: tuple[StoredFile, ...] = ()
    text: str | None = None
    url: str | None = None

    def check(self, rules: AssignmentRules) -> None:
        if not rules.accepts(self.kind):
            raise InvalidInput(
                f"this assignment does not take {self.kind} submissions", field="kind"
            )
        if self.kind is SubmissionKind.FILE:
            if not self.files:
                raise InvalidInput("a file submission needs at least one file", field="upload_ids")
            if len(self.files) > 1 and not rules.file_rules.multiple_files:
                raise InvalidInput("this assignment takes one file", field="upload_ids")
        if self.kind is SubmissionKind.TEXT and not self.text:
            raise InvalidInput("the text is empty", field="text")
        if self.kind is SubmissionKind.TEXT and len(self.text or "") > MAX_TEXT:
            raise InvalidInput(f"the text is longer than {MAX_TEXT} characters", field="text")
        if self.kind is SubmissionKind.URL:
            url = self.url or ""
            if not url.startswith(("https://", "http://")) or len(url) > MAX_URL or " " in url:
                raise InvalidInput("url must be an http(s) URL", field="url")


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    number: int
    work: Work
    submitted_at: datetime
    submitted_by: str
    late: bool
    seconds_late: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Comment:
    id: UUID
    attempt: int
    author_id: str
    text: str
    created_at: datetime


@dataclass(slots=True, kw_only=True)
class Grade:
    entered_score: Decimal | None
    score: Decimal | None  # after the late deduction
    grade: str | None
    points_deducted: Decimal
    graded_by: str
    graded_at: datetime
    attempt: int


def evaluate_attempt(
    at: datetime | None, rules: AssignmentRules, dates: EffectiveDates,
    policy: CoursePolicy | None, now: datetime,
) -> LateEvaluation:  # fmt: skip
    """The kernel's late rule on this service's read model of the assignment and its course."""
    return evaluate(
        at,
        dates,
        policy.policy if policy is not None else NO_LATE_POLICY,
        now=now,
        grading_type=rules.grading_type,
        expects_submission=rules.expects_submission,
    )


def check_window(rules: AssignmentRules, evaluation: LateEvaluation) -> None:
    if rules.locked:
        raise SubmissionClosed("the course is locked: no more submissions are accepted")
    if evaluation.window is SubmissionWindow.NOT_YET_OPEN:
        raise SubmissionClosed("the assignment is not open for submissions yet")
    if evaluation.window is SubmissionWindow.CLOSED:
        raise SubmissionClosed("the assignment is locked for you: its lock date has passed")


@dataclass(slots=True, kw_only=True)
class Submission:
    """One per student and assignment. Usually created by the first hand-in; a grader who
    grades, excuses or comments on a student who handed nothing in creates it without an
    attempt (``attempts`` empty, the grade's attempt 0): ``graded`` or ``excused``, or
    ``unsubmitted`` with only a comment or a late-policy override (``missing``)."""

    id: UUID
    tenant_id: str
    assignment_id: UUID
    course_id: UUID
    student_id: UUID
    state: WorkflowState
    attempts: list[Attempt] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    grade: Grade | None = None
    rubric_assessment: RubricAssessment | None = None  # the latest, by the rubric's criteria
    excused: bool = False
    late_status: LateStatus | None = None
    posted_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def latest(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def late(self) -> bool:
        if self.late_status is not None:
            return self.late_status is LateStatus.LATE
        return self.latest.late if self.latest else False

    @property
    def seconds_late(self) -> int:
        if self.late_status in (LateStatus.EXTENDED, LateStatus.NONE, LateStatus.MISSING):
            return 0
        return self.latest.seconds_late if self.latest else 0

    @property
    def posted(self) -> bool:
        return self.posted_at is not None

    def add_attempt(
        self,
        rules: AssignmentRules,
        work: Work,
        evaluation: LateEvaluation,
        *,
        by: str,
        at: datetime,
    ) -> Attempt:
        """A new attempt (the first, or a resubmission): inside the window and the limit."""
        check_window(rules, evaluation)
        if not rules.attempts_left(len(self.attempts)):
            raise AttemptLimitReached(
                f"all {rules.allowed_attempts} allowed attempts are used",
                extra={"allowed_attempts": rules.allowed_attempts},
            )
        work.check(rules)
        attempt = Attempt(
            number=len(self.attempts) + 1, work=work, submitted_at=at, submitted_by=by,
            late=evaluation.late, seconds_late=evaluation.seconds_late,
        )  # fmt: skip
        self.attempts.append(attempt)
        if not self.excused:
            self.state = WorkflowState.SUBMITTED
        self._touch(at)
        return attempt

    @property
    def ungraded_state(self) -> WorkflowState:
        """The state without a grade: submitted once something was handed in."""
        return WorkflowState.SUBMITTED if self.attempts else WorkflowState.UNSUBMITTED

    def record_grade(self, grade: Grade | None, *, excused: bool, at: datetime) -> None:
        self.grade = grade
        self.excused = excused
        if excused:
            self.state = WorkflowState.EXCUSED
        elif grade is not None:
            self.state = WorkflowState.RETURNED if self.posted else WorkflowState.GRADED
        elif self.state is WorkflowState.EXCUSED:
            self.state = self.ungraded_state  # excused no more, and not graded
        self._touch(at)

    def post(self, at: datetime) -> bool:
        """Makes the grade and comments visible to the student; False if nothing to post."""
        if self.posted or (self.grade is None and not self.excused and not self.comments):
            return False
        self.posted_at = at
        if self.state is WorkflowState.GRADED:
            self.state = WorkflowState.RETURNED
        self._touch(at)
        return True

    def add_comment(self, comment: Comment) -> None:
        if not comment.text.strip() or len(comment.text) > MAX_COMMENT:
            raise InvalidInput(f"a comment has 1 to {MAX_COMMENT} characters", field="comment")
        self.comments.append(comment)

    def _touch(self, at: datetime) -> None:
        self.updated_at = at
        self.version += 1
