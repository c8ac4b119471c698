"""The submission service's events reach the submission's student: ``grade.posted`` as a
``grade_posted`` notification (never the grade itself), ``submission.created`` and
``.resubmitted`` as a ``submission_receipt`` with the attempt and time. One per channel; a
replayed event sends nothing; another college's event stays in that college; a preference off
suppresses the type."""

from __future__ import annotations

import uuid

import pytest

from lms_platform.testing.kafka import consume_all
from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    publish_to,
    registered,
    settled,
    submission_event,
    wait_for,
)

STUDENT_DOMAIN = "uni-a.edu"


def _student(service: RunningNotification, account: str, college: str = COLLEGE) -> dict[str, str]:
    return service.bearer(account, college, roles=("student",))


def _address(account: str) -> str:
    return f"{account[:8]}@{STUDENT_DOMAIN}"


async def _register(service: RunningNotification, bootstrap: str, *accounts: str) -> None:
    await publish_to(service, bootstrap, "account", *[registered(a, _address(a)) for a in accounts])

    async def known() -> bool:  # stored, and counted (the counts below start from here)
        stored = await service.scalar("SELECT count(*) FROM recipients") >= len(accounts)
        return stored and await settled(service) >= len(accounts)

    await wait_for(known)


async def _no_queued(service: RunningNotification) -> None:
    async def idle() -> bool:
        return await service.scalar("SELECT count(*) FROM deliveries WHERE state = 'queued'") == 0

    await wait_for(idle)


async def _channels(service: RunningNotification, account: str, kind: str) -> list[str]:
    states = await service.scalar(
        "SELECT string_agg(channel || ':' || state, ',' ORDER BY channel) FROM deliveries "
        "WHERE account_id = $1 AND type = $2", account, kind,
    )  # fmt: skip
    return states.split(",") if states else []


async def _inbox(service: RunningNotification, account: str, college: str = COLLEGE) -> list[dict]:
    response = await service.client.get(
        "/me/notifications", headers=_student(service, account, college)
    )
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["type"] != "welcome"]


async def test_a_posted_grade_goes_to_its_student_alone_once_per_channel_without_the_grade(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    student, classmate = str(uuid.uuid4()), str(uuid.uuid4())
    await _register(notification_service, kafka_bootstrap, student, classmate)
    assignment = str(uuid.uuid4())
    posted = submission_event("grade.posted", student, score=87.5, assignment_id=assignment)
    before = await settled(notification_service)

    await publish_to(notification_service, kafka_bootstrap, "grade", posted, posted)

    mail = await smtp_server.wait_for_subject("Grade posted: your assignment", to=_address(student))
    assert f"/assignments/{assignment}" in mail.text()
    assert "87.5" not in mail.text() and "B+" not in mail.text()
    await wait_for(lambda: _settled_at_least(notification_service, before + 2))
    await _no_queued(notification_service)
    assert await _channels(notification_service, student, "grade_posted") == [
        "email:sent", "in_app:delivered",
    ]  # fmt: skip
    grade_mails = [m for m in smtp_server.to(_address(student)) if "Grade posted" in m.subject]
    assert len(grade_mails) == 1
    assert [m for m in smtp_server.to(_address(classmate)) if "Grade" in m.subject] == []
    assert await _inbox(notification_service, classmate) == []
    assert [i["title"] for i in await _inbox(notification_service, student)] == [
        "Grade posted: your assignment"
    ]
    stored = await notification_service.scalar(
        "SELECT variables::text FROM notifications WHERE type = 'grade_posted'"
    )
    assert stored is None or ("87.5" not in stored and "B+" not in stored)


@pytest.mark.parametrize(
    ("event_type", "attempt"), [("submission.created", 1), ("submission.resubmitted", 3)]
)
async def test_a_submission_gives_its_student_one_receipt_with_the_attempt_and_time(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    event_type: str, attempt: int,
) -> None:  # fmt: skip
    student = str(uuid.uuid4())
    await _register(notification_service, kafka_bootstrap, student)
    event = submission_event(event_type, student, attempt=attempt)
    before = await settled(notification_service)

    await publish_to(notification_service, kafka_bootstrap, "submission", event, event)

    mail = await smtp_server.wait_for_subject(
        "Submission received: your assignment", to=_address(student)
    )
    assert "2030-01-09T18:00:00+00:00" in mail.text()
    assert f"(attempt {attempt})" in mail.text()
    await wait_for(lambda: _settled_at_least(notification_service, before + 2))
    await _no_queued(notification_service)
    assert await _channels(notification_service, student, "submission_receipt") == [
        "email:sent", "in_app:delivered",
    ]  # fmt: skip
    receipts = [m for m in smtp_server.to(_address(student)) if "Submission" in m.subject]
    assert len(receipts) == 1
    assert len(await _inbox(notification_service, student)) == 1


async def test_another_colleges_event_never_reaches_this_colleges_student(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    student = str(uuid.uuid4())
    await _register(notification_service, kafka_bootstrap, student)  # known in college A only
    before = await settled(notification_service)

    await publish_to(
        notification_service, kafka_bootstrap, "grade",
        submission_event("grade.posted", student, score=50.0, college=OTHER_COLLEGE),
    )  # fmt: skip
    await publish_to(
        notification_service, kafka_bootstrap, "submission",
        submission_event("submission.created", student, college=OTHER_COLLEGE),
    )  # fmt: skip

    await wait_for(lambda: _settled_at_least(notification_service, before + 2))
    await _no_queued(notification_service)
    assert await _inbox(notification_service, student) == []
    mails = smtp_server.to(_address(student))
    assert [m.subject for m in mails if "Grade" in m.subject or "Submission" in m.subject] == []
    # What was written stays in college B, with no address of college A's copy.
    written = await notification_service.scalar(
        "SELECT string_agg(college_id || ':' || channel, ',' ORDER BY type) FROM deliveries "
        "WHERE type IN ('grade_posted', 'submission_receipt')"
    )
    assert written == f"{OTHER_COLLEGE}:in_app,{OTHER_COLLEGE}:in_app"


async def test_preferences_off_suppress_grades_and_receipts(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    quiet, loud = str(uuid.uuid4()), str(uuid.uuid4())
    await _register(notification_service, kafka_bootstrap, quiet, loud)
    off = {"preferences": [
        {"type": kind, "channel": channel, "cadence": "off"}
        for kind in ("grade_posted", "submission_receipt") for channel in ("email", "in_app")
    ]}  # fmt: skip
    put = await notification_service.client.put(
        "/me/notification-preferences", json=off, headers=_student(notification_service, quiet)
    )
    assert put.status_code == 200, put.text

    await publish_to(
        notification_service, kafka_bootstrap, "grade",
        *[submission_event("grade.posted", s, score=70.0) for s in (quiet, loud)],
    )  # fmt: skip
    await publish_to(
        notification_service, kafka_bootstrap, "submission",
        *[submission_event("submission.created", s) for s in (quiet, loud)],
    )  # fmt: skip

    await smtp_server.wait_for_subject("Grade posted: your assignment", to=_address(loud))
    await smtp_server.wait_for_subject("Submission received: your assignment", to=_address(loud))
    await _no_queued(notification_service)
    for kind in ("grade_posted", "submission_receipt"):
        assert await _channels(notification_service, quiet, kind) == [
            "email:suppressed", "in_app:suppressed",
        ]  # fmt: skip
    quiet_mails = smtp_server.to(_address(quiet))
    assert [m for m in quiet_mails if "Grade" in m.subject or "Submission" in m.subject] == []
    assert await _inbox(notification_service, quiet) == []


async def test_an_event_without_a_college_or_a_student_goes_to_the_dlq(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    prefix = notification_service.settings.kafka_topic_prefix
    no_college = submission_event("grade.posted", str(uuid.uuid4()), score=1.0, college=None)
    no_student = submission_event("submission.created", "")

    await publish_to(notification_service, kafka_bootstrap, "grade", no_college)
    await publish_to(notification_service, kafka_bootstrap, "submission", no_student)

    for topic, value in (("grade", no_college), ("submission", no_student)):
        dead = await consume_all(kafka_bootstrap, f"{prefix}{topic}.dlq", expected=1, timeout=30)
        assert [record.value for record in dead] == [value]
        headers = {name: v.decode() for name, v in dead[0].headers}
        assert headers["x-dlq-original-topic"] == f"{prefix}{topic}"
    assert await notification_service.scalar("SELECT count(*) FROM notifications") == 0


async def _settled_at_least(service: RunningNotification, count: int) -> bool:
    return await settled(service) >= count
