"""The submission service's events: ``grade.posted`` (topic ``grade``) tells the student their
grade is out, ``submission.created`` / ``submission.resubmitted`` (topic ``submission``) give
them a receipt. Only the submission's student is notified, and only ids and times go into the
notification: never the score or the grade.

The payload carries no assignment title: it comes from this service's copy of assignments
(``assignment.*`` events); while that copy does not know the assignment yet, the message says
"your assignment". It links to the assignment either way. A submission also cancels the
student's deadline reminder for the assignment.

No ``from __future__ import annotations`` here: FastStream and dishka read the handler's
annotations at runtime.
"""

from datetime import datetime
from uuid import UUID

import msgspec
from dishka_faststream import FromDishka

from lms.notification.application.assignment_copies import AssignmentTitles, RecordSubmission
from lms.notification.application.intake import AcceptNotification, NotificationRequest
from lms.notification.config import NotificationSettings
from lms.notification.domain.assignments import UNKNOWN_ASSIGNMENT_TITLE
from lms.notification.domain.deliveries import Recipient
from lms.notification.domain.kinds import NotificationType
from lms_platform.kernel.errors import InvalidInput
from lms_platform.messaging import Envelope

GRADE_POSTED = "grade.posted"
GRADE_EVENTS = frozenset({GRADE_POSTED})
SUBMISSION_EVENTS = frozenset({"submission.created", "submission.resubmitted"})


class SubmissionSnapshot(msgspec.Struct, kw_only=True):
    """The fields used here of ``submission_snapshot`` (the submission service's events.py)."""

    id: str
    assignment_id: str
    student_id: str
    attempt: int = 0
    submitted_at: datetime | None = None


class SubmissionData(msgspec.Struct, kw_only=True):
    submission: SubmissionSnapshot


def _submission(envelope: Envelope) -> tuple[str, SubmissionSnapshot]:
    tenant = envelope.required_tenant()
    submission = envelope.data_as(SubmissionData).submission
    if not submission.student_id:
        raise InvalidInput(f"{envelope.type} {envelope.id} names no student")
    return tenant, submission


def grade_posted_request(
    envelope: Envelope, settings: NotificationSettings, title: str = UNKNOWN_ASSIGNMENT_TITLE
) -> NotificationRequest:
    college, submission = _submission(envelope)
    url = settings.assignment_url_template.replace("{assignment_id}", submission.assignment_id)
    return NotificationRequest(
        source_event_id=UUID(envelope.id),
        college_id=college,
        type=NotificationType.GRADE_POSTED,
        recipient=Recipient(account_id=submission.student_id, email=None),
        variables={"title": title, "assignment_title": title, "url": url},
    )


def submission_receipt_request(
    envelope: Envelope, title: str = UNKNOWN_ASSIGNMENT_TITLE
) -> NotificationRequest:
    college, submission = _submission(envelope)
    if submission.submitted_at is None or submission.attempt < 1:
        raise InvalidInput(f"{envelope.type} {envelope.id} carries no attempt")
    return NotificationRequest(
        source_event_id=UUID(envelope.id),
        college_id=college,
        type=NotificationType.SUBMISSION_RECEIPT,
        recipient=Recipient(account_id=submission.student_id, email=None),
        variables={
            "title": title,
            "assignment_title": title,
            "attempt": submission.attempt,
            "submitted_at": submission.submitted_at.isoformat(),
        },
    )


async def on_grade_event(
    envelope: Envelope,
    accept: FromDishka[AcceptNotification],
    titles: FromDishka[AssignmentTitles],
    settings: FromDishka[NotificationSettings],
) -> None:
    college, submission = _submission(envelope)
    title = await titles(college, submission.assignment_id)
    await accept(grade_posted_request(envelope, settings, title))


async def on_submission_event(
    envelope: Envelope,
    accept: FromDishka[AcceptNotification],
    titles: FromDishka[AssignmentTitles],
    record: FromDishka[RecordSubmission],
) -> None:
    """The receipt, and no deadline reminder for this assignment any more (one transaction)."""
    college, submission = _submission(envelope)
    request = submission_receipt_request(envelope, await titles(college, submission.assignment_id))
    await record(college, submission.assignment_id, submission.student_id)
    await accept(request)
