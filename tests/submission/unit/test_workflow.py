"""The workflow of a submission, without storage: a submission a grade started before anything
was handed in has no attempt, and its state never claims that something was submitted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from lms.submission.domain.assignments import SubmissionKind
from lms.submission.domain.submissions import (
    Attempt,
    Grade,
    Submission,
    Work,
    WorkflowState,
)

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _submission(*, handed_in: bool) -> Submission:
    attempts = (
        [Attempt(number=1, work=Work(kind=SubmissionKind.TEXT, text="t"), submitted_at=NOW,
                 submitted_by="s", late=False, seconds_late=0)]
        if handed_in else []
    )  # fmt: skip
    return Submission(
        id=uuid.uuid4(), tenant_id="c", assignment_id=uuid.uuid4(), course_id=uuid.uuid4(),
        student_id=uuid.uuid4(),
        state=WorkflowState.SUBMITTED if handed_in else WorkflowState.UNSUBMITTED,
        attempts=attempts, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _state(submission: Submission) -> WorkflowState:
    return submission.state


def _grade(score: str) -> Grade:
    return Grade(
        entered_score=Decimal(score), score=Decimal(score), grade=score,
        points_deducted=Decimal(0), graded_by="t", graded_at=NOW, attempt=0,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("handed_in", "ungraded"),
    [(False, WorkflowState.UNSUBMITTED), (True, WorkflowState.SUBMITTED)],
)
def test_excused_then_not_goes_back_to_what_was_handed_in(
    handed_in: bool, ungraded: WorkflowState
) -> None:
    submission = _submission(handed_in=handed_in)
    submission.record_grade(None, excused=True, at=NOW)
    assert _state(submission) is WorkflowState.EXCUSED
    submission.record_grade(None, excused=False, at=NOW)
    assert _state(submission) is ungraded and submission.ungraded_state is ungraded


def test_work_never_handed_in_is_graded_and_posted() -> None:
    submission = _submission(handed_in=False)
    assert submission.latest is None and not submission.late and submission.seconds_late == 0
    submission.record_grade(None, excused=False, at=NOW)  # a comment or an override only
    assert _state(submission) is WorkflowState.UNSUBMITTED
    submission.record_grade(_grade("0"), excused=False, at=NOW)
    assert _state(submission) is WorkflowState.GRADED
    assert submission.post(NOW) and _state(submission) is WorkflowState.RETURNED
