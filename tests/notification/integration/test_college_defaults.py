"""A college's default channel set per type: its admins (``college:configure``) read and
replace it; it decides the channels of its users who chose nothing, a user's own choice still
wins, another college keeps the platform's defaults, and a critical type keeps its email."""

from __future__ import annotations

import uuid

from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    publish_to,
    registered,
    wait_for,
)
from tests.notification.permissions import default_permissions

PATH = "/notification-defaults"
ADMIN = ("college_admin",)


def _admin(service: RunningNotification, college: str = COLLEGE) -> dict[str, str]:
    return service.bearer(
        f"admin-{college}", college, roles=ADMIN, permissions=default_permissions(ADMIN)
    )


async def test_the_defaults_start_as_the_platforms_and_mark_the_critical_types(
    notification_service: RunningNotification,
) -> None:
    response = await notification_service.client.get(PATH, headers=_admin(notification_service))
    assert response.status_code == 200, response.text
    entries = {d["type"]: d for d in response.json()["defaults"]}
    assert len(entries) == 9
    assert entries["password_reset"] == {
        "type": "password_reset", "channels": ["email"], "critical": True, "college_set": False,
    }  # fmt: skip
    assert entries["deadline_reminder"]["channels"] == ["email", "in_app", "push"]


async def test_a_college_default_routes_its_users_and_their_own_choice_still_wins(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    service = notification_service
    change = {"defaults": [
        {"type": "welcome", "channels": ["in_app"]},
        {"type": "password_reset", "channels": ["email", "sms"]},
    ]}  # fmt: skip
    put = await service.client.put(PATH, json=change, headers=_admin(service))
    assert put.status_code == 200, put.text
    entries = {d["type"]: d for d in put.json()["defaults"]}
    assert entries["welcome"] == {
        "type": "welcome", "channels": ["in_app"], "critical": False, "college_set": True,
    }  # fmt: skip
    assert entries["grade_posted"]["college_set"] is False
    got = await service.client.get(PATH, headers=_admin(service))
    assert got.json() == put.json()

    follower, chooser, elsewhere = (str(uuid.uuid4()) for _ in range(3))
    mine = {"preferences": [{"type": "welcome", "channel": "email", "cadence": "immediately"}]}
    chosen = await service.client.put(
        "/me/notification-preferences", json=mine, headers=service.bearer(chooser, COLLEGE)
    )
    assert chosen.status_code == 200, chosen.text
    shown = await service.client.get(
        "/me/notification-preferences", headers=service.bearer(follower, COLLEGE)
    )
    cadences = {(p["type"], p["channel"]): p["cadence"] for p in shown.json()["preferences"]}
    assert cadences[("welcome", "email")] == "off"  # the college's default now
    assert cadences[("welcome", "in_app")] == "immediately"

    await publish_to(
        service, kafka_bootstrap, "account",
        registered(follower, "follower@uni-a.edu"), registered(chooser, "chooser@uni-a.edu"),
        registered(elsewhere, "elsewhere@uni-b.edu", college=OTHER_COLLEGE),
    )  # fmt: skip
    await smtp_server.wait_for_subject("Welcome", to="chooser@uni-a.edu")  # their choice wins
    await smtp_server.wait_for_subject("Welcome", to="elsewhere@uni-b.edu")  # platform's

    async def all_made() -> bool:
        return await service.scalar("SELECT count(*) FROM notifications") == 3

    await wait_for(all_made)
    channels = await service.scalar(
        "SELECT string_agg(channel || ':' || state, ',' ORDER BY channel) FROM deliveries "
        "WHERE account_id = $1", follower,
    )  # fmt: skip
    assert channels == "in_app:delivered"
    assert smtp_server.to("follower@uni-a.edu") == []
    inbox = await service.client.get("/me/notifications", headers=service.bearer(follower, COLLEGE))
    assert [i["type"] for i in inbox.json()["items"]] == ["welcome"]


async def test_a_replaced_set_goes_back_to_the_platforms_for_unlisted_types(
    notification_service: RunningNotification,
) -> None:
    service = notification_service
    first = {"defaults": [{"type": "welcome", "channels": []}]}
    assert (await service.client.put(PATH, json=first, headers=_admin(service))).status_code == 200
    second = {"defaults": [{"type": "grade_posted", "channels": ["in_app"]}]}
    response = await service.client.put(PATH, json=second, headers=_admin(service))
    entries = {d["type"]: d for d in response.json()["defaults"]}
    assert entries["welcome"]["channels"] == ["email", "in_app"]
    assert entries["welcome"]["college_set"] is False
    assert await service.scalar("SELECT count(*) FROM college_channel_defaults") == 1
    other = await service.client.get(PATH, headers=_admin(service, OTHER_COLLEGE))
    assert not any(d["college_set"] for d in other.json()["defaults"])


async def test_a_critical_type_cannot_lose_its_email(
    notification_service: RunningNotification,
) -> None:
    body = {"defaults": [{"type": "email_verification", "channels": ["in_app"]}]}
    response = await notification_service.client.put(
        PATH, json=body, headers=_admin(notification_service)
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "critical_notification_type"
    assert "email_verification" in problem["detail"]
    assert await notification_service.scalar("SELECT count(*) FROM college_channel_defaults") == 0
