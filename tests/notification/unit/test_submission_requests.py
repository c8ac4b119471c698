"""The submission service's events as notification requests: to the student alone, with the
attempt and time for a receipt, and nothing of the grade."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from lms.notification.adapters.messaging.submission_events import (
    grade_posted_request,
    submission_receipt_request,
)
from lms.notification.config import load_notification_settings
from lms.notification.domain.kinds import NotificationType
from lms.notification.domain.templates import TEMPLATE_VARIABLES
from lms_platform.kernel.errors import InvalidInput
from lms_platform.messaging import decode_envelope
from tests.notification.integration.events import submission_event


def test_a_posted_grade_is_for_the_student_and_carries_no_grade() -> None:
    student, assignment = str(uuid.uuid4()), str(uuid.uuid4())
    settings = load_notification_settings({}, assignment_url_template="/a/{assignment_id}")
    envelope = decode_envelope(
        submission_event("grade.posted", student, score=87.5, assignment_id=assignment)
    )

    request = grade_posted_request(envelope, settings)

    assert request.type is NotificationType.GRADE_POSTED
    assert request.recipient.account_id == student and request.college_id == "college-a"
    assert request.source_event_id == uuid.UUID(envelope.id)
    assert dict(request.variables) == {
        "title": "your assignment", "assignment_title": "your assignment", "url": f"/a/{assignment}"
    }  # fmt: skip
    assert set(request.variables) <= TEMPLATE_VARIABLES[NotificationType.GRADE_POSTED]
    assert "87.5" not in msgspec.json.encode(dict(request.variables)).decode()


def test_a_posted_grade_names_the_assignment_when_its_title_is_known() -> None:
    envelope = decode_envelope(submission_event("grade.posted", str(uuid.uuid4()), score=1.0))

    request = grade_posted_request(envelope, load_notification_settings({}), "Essay 2")

    assert request.variables["assignment_title"] == "Essay 2"
    assert request.variables["title"] == "Essay 2"  # the older name, for colleges' templates


@pytest.mark.parametrize("event_type", ["submission.created", "submission.resubmitted"])
def test_a_receipt_carries_the_attempt_and_time(event_type: str) -> None:
    student = str(uuid.uuid4())
    request = submission_receipt_request(
        decode_envelope(submission_event(event_type, student, attempt=2)), "Lab 3"
    )

    assert request.variables["assignment_title"] == "Lab 3"
    assert request.type is NotificationType.SUBMISSION_RECEIPT
    assert request.recipient.account_id == student
    assert request.variables["attempt"] == 2
    assert request.variables["submitted_at"] == "2030-01-09T18:00:00+00:00"
    assert set(request.variables) <= TEMPLATE_VARIABLES[NotificationType.SUBMISSION_RECEIPT]


def test_a_receipt_without_an_attempt_is_refused() -> None:
    with pytest.raises(InvalidInput):
        submission_receipt_request(
            decode_envelope(submission_event("submission.created", str(uuid.uuid4()), attempt=0))
        )
