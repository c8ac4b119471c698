"""The copy of assignments kept from ``assignment.*`` events, and what it gives:

- ``grade_posted`` and ``submission_receipt`` name the assignment (its newest title; an older
  or replayed event changes nothing), and say "your assignment" while it is unknown;
- ``deadline_reminder`` 24 h before each student's effective due date (their own override,
  else the assignment's): one per student x assignment x due date, a moved date plans a new
  one, a student who submitted gets none, a preference off suppresses it.

The service's clock is moved by the test (the reminder worker polls fast), plain aiokafka
producers put the events on the topics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from dishka import Provider

from lms.notification.application.reminders import SendDueReminders
from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.conftest import COLLEGE, MovableClock, clock_provider
from tests.notification.integration.events import (
    RunningNotification,
    assignment_change,
    enroll_students,
    enrollment,
    publish_to,
    registered,
    settled,
    student_override,
    submission_event,
    wait_for,
)

DUE = "2030-01-10T23:59:00+00:00"
LATER_DUE = "2030-01-11T23:59:00+00:00"
EXTENDED_DUE = "2030-01-12T23:59:00+00:00"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2030, 1, 8, 12, 0, tzinfo=UTC))


@pytest.fixture
def notification_providers(clock: MovableClock) -> list[Provider]:
    return [clock_provider(clock)]


@pytest.fixture
def notification_overrides() -> dict[str, Any]:
    return {"reminder_poll_seconds": 0.2}


def _address(account: str) -> str:
    return f"{account[:8]}@uni-a.edu"


async def _applied(service: RunningNotification, before: int, count: int) -> None:
    async def done() -> bool:
        return await settled(service) >= before + count

    await wait_for(done)


async def test_grades_and_receipts_name_the_assignment_from_its_newest_version(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    student, course, section = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    await enroll_students(notification_service, kafka_bootstrap, course, section, [student])
    unknown, known = str(uuid.uuid4()), str(uuid.uuid4())
    before = await settled(notification_service)
    await publish_to(
        notification_service, kafka_bootstrap, "assignment",
        assignment_change("assignment.created", known, course, title="Draft", due_at=DUE,
                          version=1, status="draft"),
        assignment_change("assignment.updated", known, course, title="Essay 7", due_at=DUE,
                          version=3, status="draft"),
        # Older than what is here, and a replay: neither changes the copy.
        assignment_change("assignment.updated", known, course, title="Stale", due_at=DUE,
                          version=2, status="draft"),
    )  # fmt: skip
    await _applied(notification_service, before, 3)
    assert await notification_service.scalar(
        "SELECT title || ':' || version FROM tracked_assignments WHERE assignment_id = $1", known
    ) == "Essay 7:3"  # fmt: skip

    await publish_to(
        notification_service, kafka_bootstrap, "grade",
        submission_event("grade.posted", student, score=90.0, assignment_id=known),
        submission_event("grade.posted", student, score=70.0, assignment_id=unknown),
    )  # fmt: skip
    await publish_to(
        notification_service, kafka_bootstrap, "submission",
        submission_event("submission.created", student, assignment_id=known),
    )  # fmt: skip

    to = _address(student)
    graded = await smtp_server.wait_for_subject("Grade posted: Essay 7", to=to)
    assert "Your grade for Essay 7 is posted." in graded.text()
    await smtp_server.wait_for_subject("Grade posted: your assignment", to=to)  # not seen yet
    receipt = await smtp_server.wait_for_subject("Submission received: Essay 7", to=to)
    assert "We received your submission for Essay 7" in receipt.text()
    inbox = await notification_service.client.get(
        "/me/notifications", headers=notification_service.bearer(student, COLLEGE)
    )
    titles = {item["title"] for item in inbox.json()["items"]}
    assert {"Grade posted: Essay 7", "Submission received: Essay 7"} <= titles


async def _reminders(service: RunningNotification, account: str) -> list[str]:
    rows = await service.scalar(
        "SELECT string_agg(to_char(due_at AT TIME ZONE 'UTC', 'MM-DD HH24:MI') || ':' || state,"
        " ',' ORDER BY due_at) FROM reminders WHERE account_id = $1", account,
    )  # fmt: skip
    return rows.split(",") if rows else []


def _reminder_mails(smtp_server: SmtpSink, account: str) -> list[str]:
    return [m.text() for m in smtp_server.to(_address(account)) if "Reminder:" in m.subject]


async def test_deadline_reminders_follow_each_students_effective_due_date(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    service = notification_service
    course, section = str(uuid.uuid4()), str(uuid.uuid4())
    ada, bob, cleo, dan = (str(uuid.uuid4()) for _ in range(4))
    await enroll_students(service, kafka_bootstrap, course, section, [ada, bob, cleo, dan])
    off = {"preferences": [{"type": "deadline_reminder", "channel": "email", "cadence": "off"}]}
    quiet = await service.client.put(
        "/me/notification-preferences", json=off, headers=service.bearer(dan, COLLEGE)
    )
    assert quiet.status_code == 200, quiet.text
    assignment = str(uuid.uuid4())
    extension = [student_override(cleo, EXTENDED_DUE)]

    def change(event_type: str, version: int, due: str) -> bytes:
        return assignment_change(
            event_type, assignment, course, title="Essay 9", due_at=due, version=version,
            section_ids=[section], overrides=extension,
        )  # fmt: skip

    before = await settled(service)
    await publish_to(service, kafka_bootstrap, "assignment", change("assignment.published", 2, DUE))
    await _applied(service, before, 1)
    assert await _reminders(service, ada) == ["01-10 23:59:pending"]
    assert await _reminders(service, cleo) == ["01-12 23:59:pending"]  # her extension

    # Bob submits: his reminder goes.
    before = await settled(service)
    await publish_to(
        service, kafka_bootstrap, "submission",
        submission_event("submission.created", bob, assignment_id=assignment),
    )  # fmt: skip
    await _applied(service, before, 1)
    assert await _reminders(service, bob) == ["01-10 23:59:cancelled"]

    # 24 h before the due date: Ada is reminded once, Dan only in-app (his email is off).
    clock.current = datetime(2030, 1, 9, 23, 59, 30, tzinfo=UTC)
    mail = await smtp_server.wait_for_subject("Reminder: Essay 9 is due soon", to=_address(ada))
    assert DUE in mail.text() and f"/assignments/{assignment}" in mail.text()

    async def reminded(account: str, count: int) -> bool:
        made = await service.scalar(
            "SELECT count(*) FROM notifications WHERE account_id = $1"
            " AND type = 'deadline_reminder'", account,
        )  # fmt: skip
        return made == count

    await wait_for(lambda: reminded(dan, 1))
    assert await _reminders(service, ada) == ["01-10 23:59:sent"]
    dans = await service.client.get("/me/notifications", headers=service.bearer(dan, COLLEGE))
    assert "Reminder: Essay 9 is due soon" in {i["title"] for i in dans.json()["items"]}
    assert _reminder_mails(smtp_server, dan) == []
    assert await service.scalar(
        "SELECT state FROM deliveries WHERE account_id = $1 AND type = 'deadline_reminder'"
        " AND channel = 'email'", dan,
    ) == "suppressed"  # fmt: skip

    # The due date moves a day: a new reminder for the new date, the old one stays sent.
    before = await settled(service)
    await publish_to(
        service, kafka_bootstrap, "assignment", change("assignment.updated", 3, LATER_DUE)
    )
    await _applied(service, before, 1)
    assert await _reminders(service, ada) == ["01-10 23:59:sent", "01-11 23:59:pending"]
    clock.current = datetime(2030, 1, 10, 23, 59, 30, tzinfo=UTC)
    await wait_for(lambda: reminded(ada, 2))

    async def second_mail() -> bool:
        return len(_reminder_mails(smtp_server, ada)) == 2

    await wait_for(second_mail)

    # Cleo's extension: her reminder comes a day later, once.
    clock.current = datetime(2030, 1, 11, 23, 59, 30, tzinfo=UTC)
    await wait_for(lambda: reminded(cleo, 1))
    assert await _reminders(service, cleo) == ["01-12 23:59:sent"]
    clock.advance(hours=1)
    await wait_for(lambda: _idle(service))
    assert await reminded(ada, 2) and await reminded(cleo, 1)
    assert _reminder_mails(smtp_server, bob) == []
    assert len(_reminder_mails(smtp_server, ada)) == 2


async def _idle(service: RunningNotification) -> bool:
    pending = await service.scalar(
        "SELECT count(*) FROM reminders WHERE state = 'pending' AND remind_at <= $1",
        datetime(2030, 1, 13, tzinfo=UTC),
    )
    return pending == 0


async def test_a_deleted_or_unpublished_assignment_reminds_nobody(
    notification_service: RunningNotification, kafka_bootstrap: str, clock: MovableClock
) -> None:
    service = notification_service
    course, section, student = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    await enroll_students(service, kafka_bootstrap, course, section, [student])
    draft, deleted = str(uuid.uuid4()), str(uuid.uuid4())
    before = await settled(service)
    await publish_to(
        service, kafka_bootstrap, "assignment",
        assignment_change("assignment.created", draft, course, title="Draft", due_at=DUE,
                          version=1, status="draft"),
        assignment_change("assignment.published", deleted, course, title="Gone", due_at=DUE,
                          version=2),
        assignment_change("assignment.deleted", deleted, course, title="Gone", due_at=DUE,
                          version=3),
    )  # fmt: skip
    await _applied(service, before, 3)
    assert await _reminders(service, student) == ["01-10 23:59:cancelled"]
    clock.current = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
    await asyncio.sleep(1.5)  # several polls of the reminder worker
    assert await service.scalar(
        "SELECT count(*) FROM notifications WHERE type = 'deadline_reminder'"
    ) == 0  # fmt: skip


async def test_a_student_who_enrols_after_the_assignments_last_event_is_reminded_too(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    service = notification_service
    course, section, early, late = (str(uuid.uuid4()) for _ in range(4))
    await enroll_students(service, kafka_bootstrap, course, section, [early])
    assignment = str(uuid.uuid4())
    before = await settled(service)
    await publish_to(
        service, kafka_bootstrap, "assignment",
        assignment_change("assignment.published", assignment, course, title="Essay 10",
                          due_at=DUE, version=2, section_ids=[section]),
    )  # fmt: skip
    await _applied(service, before, 1)
    await publish_to(service, kafka_bootstrap, "account", registered(late, _address(late)))
    await publish_to(service, kafka_bootstrap, "enrollment", enrollment(late, section, course))

    async def enrolled() -> bool:
        found = await service.scalar(
            "SELECT count(*) FROM memberships WHERE user_id::text = $1", late
        )
        return found == 1 and await service.scalar(
            "SELECT count(*) FROM recipients WHERE account_id = $1", late
        ) == 1  # fmt: skip

    await wait_for(enrolled)
    assert await _reminders(service, late) == []  # planned before they enrolled

    clock.current = datetime(2030, 1, 9, 23, 59, 30, tzinfo=UTC)  # the window opens
    await smtp_server.wait_for_subject("Reminder: Essay 10 is due soon", to=_address(late))
    await smtp_server.wait_for_subject("Reminder: Essay 10 is due soon", to=_address(early))
    assert await _reminders(service, late) == ["01-10 23:59:sent"]


async def test_a_due_date_moved_before_the_reminder_replaces_the_pending_one(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    service = notification_service
    course, section, student = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    await enroll_students(service, kafka_bootstrap, course, section, [student])
    assignment = str(uuid.uuid4())

    async def change(version: int, due: str) -> None:
        before = await settled(service)
        await publish_to(
            service, kafka_bootstrap, "assignment",
            assignment_change("assignment.updated" if version > 2 else "assignment.published",
                              assignment, course, title="Quiz", due_at=due, version=version),
        )  # fmt: skip
        await _applied(service, before, 1)

    await change(2, DUE)
    await change(3, LATER_DUE)
    assert await _reminders(service, student) == ["01-10 23:59:cancelled", "01-11 23:59:pending"]
    await change(4, DUE)  # back again: the first one is pending again, still one per date
    assert await _reminders(service, student) == ["01-10 23:59:pending", "01-11 23:59:cancelled"]

    clock.current = datetime(2030, 1, 9, 23, 59, 30, tzinfo=UTC)
    await smtp_server.wait_for_subject("Reminder: Quiz is due soon", to=_address(student))
    clock.current = datetime(2030, 1, 10, 23, 59, 30, tzinfo=UTC)  # the cancelled one's time
    await asyncio.sleep(1.5)  # several polls of the reminder worker
    assert len(_reminder_mails(smtp_server, student)) == 1
    assert await _reminders(service, student) == ["01-10 23:59:sent", "01-11 23:59:cancelled"]


async def test_concurrent_reminder_workers_make_each_reminder_once(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    service = notification_service
    course, section = str(uuid.uuid4()), str(uuid.uuid4())
    students = [str(uuid.uuid4()) for _ in range(12)]
    await enroll_students(service, kafka_bootstrap, course, section, students)
    before = await settled(service)
    await publish_to(
        service, kafka_bootstrap, "assignment",
        assignment_change("assignment.published", str(uuid.uuid4()), course, title="Lab 4",
                          due_at=DUE, version=2),
    )  # fmt: skip
    await _applied(service, before, 1)
    assert await service.scalar("SELECT count(*) FROM reminders WHERE state = 'pending'") == 12

    async def step() -> bool:
        async with service.runtime.container() as request:
            return bool(await (await request.get(SendDueReminders))())

    clock.current = datetime(2030, 1, 9, 23, 59, 30, tzinfo=UTC)
    # Four more workers at once, beside the service's own: the claims skip each other's rows.
    await asyncio.gather(*(step() for _ in range(4)))

    async def all_sent() -> bool:
        return await service.scalar("SELECT count(*) FROM reminders WHERE state = 'sent'") == 12

    await wait_for(all_sent)

    async def all_mailed() -> bool:
        return sum(len(_reminder_mails(smtp_server, s)) for s in students) >= 12

    await wait_for(all_mailed)
    await asyncio.sleep(1.5)  # a second copy would arrive by now
    assert [len(_reminder_mails(smtp_server, s)) for s in students] == [1] * 12
    assert await service.scalar(
        "SELECT count(DISTINCT account_id) || '/' || count(*) FROM notifications"
        " WHERE type = 'deadline_reminder'"
    ) == "12/12"  # fmt: skip
