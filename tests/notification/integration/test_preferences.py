"""Issue 15, must show (preferences): honoured per type x channel; a critical type cannot be
switched off (refused with the reason, nothing written); quiet hours delay a message and do
not drop it; ten notifications held for a daily digest give one email listing them, and what
was read in the inbox meanwhile is left out."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from dishka import Provider

from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.conftest import COLLEGE, MovableClock, clock_provider
from tests.notification.integration.events import (
    RunningNotification,
    assignment_published,
    enroll_students,
    publish_to,
    user_updated,
    wait_for,
)

PATH = "/me/notification-preferences"
MONDAY_23H = datetime(2030, 1, 7, 23, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(MONDAY_23H)


@pytest.fixture
def notification_providers(clock: MovableClock) -> list[Provider]:
    return [clock_provider(clock)]


def _student(service: RunningNotification, account: str) -> dict[str, str]:
    return service.bearer(account, COLLEGE, roles=("student",))


async def test_defaults_list_every_type_and_channel_and_mark_the_critical_ones(
    notification_service: RunningNotification,
) -> None:
    response = await notification_service.client.get(
        PATH, headers=_student(notification_service, "s1")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["timezone"] is None and body["quiet_hours"] is None  # the profile's zone
    entries = {(p["type"], p["channel"]): p for p in body["preferences"]}
    assert len(entries) == 9 * 4
    assert entries[("password_reset", "email")] == {
        "type": "password_reset", "channel": "email", "cadence": "immediately", "critical": True,
    }  # fmt: skip
    assert entries[("password_reset", "sms")]["cadence"] == "off"
    assert entries[("assignment_published", "in_app")]["cadence"] == "immediately"
    assert entries[("assignment_published", "sms")]["cadence"] == "off"


@pytest.mark.parametrize("cadence", ["off", "daily", "weekly"])
async def test_a_critical_type_cannot_be_switched_off_or_digested(
    notification_service: RunningNotification, cadence: str
) -> None:
    body = {"preferences": [
        {"type": "assignment_published", "channel": "email", "cadence": "off"},
        {"type": "password_reset", "channel": "email", "cadence": cadence},
    ]}  # fmt: skip
    response = await notification_service.client.put(
        PATH, json=body, headers=_student(notification_service, "s1")
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "critical_notification_type"
    assert "critical" in problem["detail"] and "password_reset" in problem["detail"]
    assert await notification_service.scalar("SELECT count(*) FROM preferences") == 0


async def test_preferences_are_honoured_per_type_and_channel(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    clock.current = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
    course, section = str(uuid.uuid4()), str(uuid.uuid4())
    quiet, loud = str(uuid.uuid4()), str(uuid.uuid4())
    off = {"preferences": [{"type": "assignment_published", "channel": "email", "cadence": "off"}]}
    put = await notification_service.client.put(
        PATH, json=off, headers=_student(notification_service, quiet)
    )
    assert put.status_code == 200, put.text
    await enroll_students(notification_service, kafka_bootstrap, course, section, [quiet, loud])

    await publish_to(notification_service, kafka_bootstrap, "assignment",
                     assignment_published(course, [section], "Essay 1"))  # fmt: skip
    mail = await smtp_server.wait_for_subject("New assignment: Essay 1", to=f"{loud[:8]}@uni-a.edu")
    assert "Essay 1" in mail.text()
    await _no_queued(notification_service)
    assert [m for m in smtp_server.to(f"{quiet[:8]}@uni-a.edu") if "Essay" in m.subject] == []
    states = await notification_service.scalar(
        "SELECT string_agg(channel || ':' || state, ',' ORDER BY channel) FROM deliveries "
        "WHERE account_id = $1 AND type = 'assignment_published'", quiet,
    )  # fmt: skip
    assert states == "email:suppressed,in_app:delivered"
    inbox = await notification_service.client.get(
        "/me/notifications", headers=_student(notification_service, quiet)
    )
    items = {(item["type"], item["title"]) for item in inbox.json()["items"]}
    assert items == {("welcome", "Welcome"), ("assignment_published", "New assignment: Essay 1")}


async def test_quiet_hours_delay_a_message_and_do_not_drop_it(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    course, section, student = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    body = {"timezone": "Europe/Paris", "quiet_hours": {"start": "22:00", "end": "07:30"}}
    put = await notification_service.client.put(
        PATH, json=body, headers=_student(notification_service, student)
    )
    assert put.status_code == 200, put.text
    assert put.json()["quiet_hours"] == {"start": "22:00", "end": "07:30"}
    await enroll_students(notification_service, kafka_bootstrap, course, section, [student])
    await publish_to(notification_service, kafka_bootstrap, "assignment",
                     assignment_published(course, [section], "Lab 2"))  # fmt: skip

    async def held() -> bool:
        return (
            await notification_service.scalar(
                "SELECT count(*) FROM deliveries WHERE type = 'assignment_published' "
                "AND channel = 'email' AND state = 'queued'"
            )
            == 1
        )

    await wait_for(held)
    due = await notification_service.scalar(
        "SELECT due_at FROM deliveries WHERE type = 'assignment_published' AND channel = 'email'"
    )
    assert due == datetime(2030, 1, 8, 6, 30, tzinfo=UTC)  # 07:30 in Paris (UTC+1)
    await asyncio.sleep(1.0)  # five polls of the worker: nothing goes out
    assert [m for m in smtp_server.messages if "Lab 2" in m.subject] == []

    clock.current = datetime(2030, 1, 8, 6, 31, tzinfo=UTC)
    await smtp_server.wait_for_subject("New assignment: Lab 2", to=f"{student[:8]}@uni-a.edu")


async def test_ten_held_for_a_daily_digest_give_one_email_and_read_ones_are_left_out(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    clock.current = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)
    course, section = str(uuid.uuid4()), str(uuid.uuid4())
    digest, reader = str(uuid.uuid4()), str(uuid.uuid4())
    daily = {
        "preferences": [{"type": "assignment_published", "channel": "email", "cadence": "daily"}]
    }
    for student in (digest, reader):
        put = await notification_service.client.put(
            PATH, json=daily, headers=_student(notification_service, student)
        )
        assert put.status_code == 200, put.text
    await enroll_students(notification_service, kafka_bootstrap, course, section, [digest, reader])
    titles = [f"Problem set {n}" for n in range(10)]
    await publish_to(notification_service, kafka_bootstrap, "assignment",
                     *[assignment_published(course, [section], t) for t in titles])  # fmt: skip

    async def all_held() -> bool:
        return (
            await notification_service.scalar(
                "SELECT count(*) FROM deliveries WHERE type = 'assignment_published' "
                "AND channel = 'email' AND state = 'queued'"
            )
            == 20
        )

    await wait_for(all_held)
    inbox = await notification_service.client.get(
        "/me/notifications?limit=20", headers=_student(notification_service, reader)
    )
    assignments = [i for i in inbox.json()["items"] if i["type"] == "assignment_published"]
    assert len(assignments) == 10
    for item in assignments[:3]:  # the reader reads three in the app before 08:00
        read = await notification_service.client.post(
            f"/me/notifications/{item['id']}/read", headers=_student(notification_service, reader)
        )
        assert read.status_code == 204, read.text
    assert [m for m in smtp_server.messages if "digest" in m.subject] == []

    clock.current = datetime(2030, 1, 8, 8, 0, 1, tzinfo=UTC)  # 08:00 UTC, the digest hour
    mail = await smtp_server.wait_for_subject("Your daily digest", to=f"{digest[:8]}@uni-a.edu")
    assert mail.subject == "Your daily digest: 10 notifications"
    for title in titles:
        assert f"New assignment: {title}" in mail.text()
    reader_mail = await smtp_server.wait_for_subject(
        "Your daily digest", to=f"{reader[:8]}@uni-a.edu"
    )
    assert reader_mail.subject == "Your daily digest: 7 notifications"
    await _no_queued(notification_service)
    await asyncio.sleep(0.5)
    assert len([m for m in smtp_server.messages if "digest" in m.subject]) == 2
    assert await notification_service.scalar(
        "SELECT count(DISTINCT digest_id) FROM deliveries WHERE account_id = $1 AND channel = 'email'"
        " AND type = 'assignment_published'", digest,
    ) == 1  # fmt: skip
    assert (
        await notification_service.scalar(
            "SELECT count(*) FROM deliveries WHERE account_id = $1 AND state = 'suppressed'", reader
        )
        == 3
    )


async def _no_queued(service: RunningNotification) -> None:
    async def none() -> bool:
        return await service.scalar("SELECT count(*) FROM deliveries WHERE state = 'queued'") == 0

    await wait_for(none)


async def test_the_profile_time_zone_from_user_events_places_the_digest_window(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str,
    clock: MovableClock,
) -> None:  # fmt: skip
    clock.current = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)
    course, section, student = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    daily = {
        "preferences": [{"type": "assignment_published", "channel": "email", "cadence": "daily"}]
    }
    put = await notification_service.client.put(
        PATH, json=daily, headers=_student(notification_service, student)
    )
    assert put.status_code == 200, put.text
    await enroll_students(notification_service, kafka_bootstrap, course, section, [student])
    await publish_to(
        notification_service, kafka_bootstrap, "user", user_updated(student, "Asia/Tokyo")
    )

    async def zone_known() -> bool:
        return (
            await notification_service.scalar(
                "SELECT timezone FROM recipients WHERE account_id = $1", student
            )
            == "Asia/Tokyo"
        )

    await wait_for(zone_known)
    await publish_to(notification_service, kafka_bootstrap, "assignment",
                     assignment_published(course, [section], "Reading"))  # fmt: skip

    async def held_until() -> datetime | None:
        return await notification_service.scalar(
            "SELECT due_at FROM deliveries WHERE type = 'assignment_published' AND channel = 'email'"
        )

    async def held() -> bool:
        return await held_until() is not None

    await wait_for(held)
    # 10:00 UTC is 19:00 in Tokyo: the next 08:00 there is 23:00 UTC the same day.
    assert await held_until() == datetime(2030, 1, 7, 23, 0, tzinfo=UTC)
