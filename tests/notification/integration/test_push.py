"""Web Push: a device registers its subscription through the API; a notification reaches
the local push endpoint with a valid VAPID signature and a payload that decrypts with the
subscription's keys (RFC 8291); an unsubscribed device (410) is a bounce. Invalid
subscriptions are refused and nothing is written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.notification.integration.conftest import COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    assignment_published,
    enroll_students,
    publish_to,
    wait_for,
)
from tests.notification.integration.push_endpoint import Device, PushEndpoint, b64url

PUSH_ON = {"preferences": [
    {"type": "assignment_published", "channel": "push", "cadence": "immediately"},
    {"type": "assignment_published", "channel": "email", "cadence": "off"},
]}  # fmt: skip


@pytest.fixture
async def push_endpoint() -> AsyncIterator[PushEndpoint]:
    async for endpoint in PushEndpoint().run():
        yield endpoint


async def _register(
    service: RunningNotification, student: str, endpoint: str, device: Device
) -> Any:
    headers = service.bearer(student, COLLEGE)
    put = await service.client.put("/me/notification-preferences", json=PUSH_ON, headers=headers)
    assert put.status_code == 200, put.text
    body = {"endpoint": endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth},
            "expirationTime": None}  # fmt: skip
    response = await service.client.post("/me/push-subscriptions", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_push_arrives_signed_and_decrypts_with_the_subscription_keys(
    notification_service: RunningNotification, push_endpoint: PushEndpoint,
    kafka_bootstrap: str, vapid_keys: tuple[str, str],
) -> None:  # fmt: skip
    course, section, student = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    endpoint, device = push_endpoint.subscribe("phone")
    await _register(notification_service, student, endpoint, device)
    again = await _register(notification_service, student, endpoint, device)  # one row per device
    assert await notification_service.scalar("SELECT count(*) FROM push_subscriptions") == 1
    await enroll_students(notification_service, kafka_bootstrap, course, section, [student])
    await publish_to(notification_service, kafka_bootstrap, "assignment",
                     assignment_published(course, [section], "Quiz 3"))  # fmt: skip

    async def pushed() -> bool:
        return bool(push_endpoint.received) or bool(push_endpoint.refusals)

    await wait_for(pushed)
    assert push_endpoint.refusals == []
    (push,) = push_endpoint.received
    assert push.payload["title"] == "New assignment: Quiz 3"
    assert "Quiz 3" in push.payload["body"]
    assert push.vapid_public_key == vapid_keys[1]
    assert push.claims["sub"] == "mailto:ops@lms.test"
    assert int({k.lower(): v for k, v in push.headers.items()}["ttl"]) > 0

    async def sent() -> bool:
        return (
            await notification_service.scalar("SELECT state FROM deliveries WHERE channel = 'push'")
            == "sent"
        )

    await wait_for(sent)
    assert again["id"]


async def test_an_unsubscribed_device_is_a_bounce(
    notification_service: RunningNotification, push_endpoint: PushEndpoint, kafka_bootstrap: str
) -> None:
    course, section, student = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    endpoint, device = push_endpoint.subscribe("old-phone")
    await _register(notification_service, student, endpoint, device)
    push_endpoint.gone.add("/push/old-phone")
    await enroll_students(notification_service, kafka_bootstrap, course, section, [student])
    await publish_to(notification_service, kafka_bootstrap, "assignment",
                     assignment_published(course, [section], "Quiz 4"))  # fmt: skip

    async def bounced() -> bool:
        return (
            await notification_service.scalar("SELECT state FROM deliveries WHERE channel = 'push'")
            == "bounced"
        )

    await wait_for(bounced)


def _off_curve_key() -> str:
    point = bytearray(base64_point())
    point[-1] ^= 1
    return b64url(bytes(point))


def base64_point() -> bytes:
    from tests.notification.integration.push_endpoint import unb64url

    return unb64url(Device().p256dh)


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"endpoint": "http://push.example.com/x"}, 422),  # not https
        ({"endpoint": "not a url"}, 422),
        ({"keys": {"p256dh": "AAAA", "auth": b64url(bytes(16))}}, 400),  # too short
        ({"keys": {"p256dh": "OFF_CURVE", "auth": b64url(bytes(16))}}, 422),  # not on P-256
        ({"keys": {"p256dh": Device().p256dh, "auth": b64url(bytes(8))}}, 400),  # auth too short
        ({"keys": {"p256dh": "!" * 87, "auth": b64url(bytes(16))}}, 422),  # not base64url
        ({"keys": {"p256dh": Device().p256dh, "auth": "B" * 22}}, 422),  # 22 chars, not 16 bytes
        ({"unknown": 1}, 400),
        ({"endpoint": 42}, 400),
    ],
)
async def test_an_invalid_subscription_is_refused_and_nothing_is_written(
    notification_service: RunningNotification, change: dict[str, Any], status: int
) -> None:
    device = Device()
    body: dict[str, Any] = {
        "endpoint": "https://push.example.com/send/abc",
        "keys": {"p256dh": device.p256dh, "auth": device.auth},
    }
    if change.get("keys", {}).get("p256dh") == "OFF_CURVE":
        change = {"keys": {"p256dh": _off_curve_key(), "auth": device.auth}}
    body |= change
    response = await notification_service.client.post(
        "/me/push-subscriptions", json=body, headers=notification_service.bearer("s1", COLLEGE)
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await notification_service.scalar("SELECT count(*) FROM push_subscriptions") == 0
