"""Bad input is a 4xx problem (RFC 9457) and writes nothing: malformed, mistyped,
unknown-field, oversize bodies on every route that takes one; values a rule refuses (an unknown
type or channel, a bad time zone, quiet hours of no length, a type given twice); bad query
values and ids. Row counts of every table are compared before and after."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.notification.integration.conftest import COLLEGE
from tests.notification.integration.events import RunningNotification
from tests.notification.integration.test_permission_matrix import TABLE, World
from tests.notification.permissions import default_permissions

ADMIN = ("college_admin",)

BODY_ROUTES = sorted((m, p) for (m, p), rule in TABLE.items() if rule.body is not None)
BIG = "x" * 70_000  # over the 64 KiB body limit of the test settings
_TABLES = ("preferences", "push_subscriptions", "templates", "notifications", "deliveries",
           "recipients", "college_channel_defaults")  # fmt: skip


async def _counts(service: RunningNotification) -> dict[str, int]:
    return {t: await service.scalar(f"SELECT count(*) FROM {t}") for t in _TABLES}


def _is_problem(response: Any, statuses: tuple[int, ...], label: str) -> None:
    assert response.status_code in statuses, f"{label}: {response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json"), label
    assert response.json()["status"] == response.status_code, label


def _admin(service: RunningNotification) -> dict[str, str]:
    return service.bearer("admin-a", COLLEGE, roles=ADMIN, permissions=default_permissions(ADMIN))


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=str)
async def test_every_body_route_refuses_bad_bodies_and_writes_nothing(
    notification_service: RunningNotification, method: str, path: str
) -> None:
    rule = TABLE[(method, path)]
    url = rule.path(World())
    good = rule.body
    headers = {**_admin(notification_service), "content-type": "application/json"}
    before = await _counts(notification_service)
    bad: list[tuple[str, bytes, tuple[int, ...]]] = [
        ("malformed", b'{"subject": ', (400,)),
        ("not an object", b"[1, 2, 3]", (400,)),
        ("unknown field", _json({**good, "surprise": 1}), (400,)),
        ("mistyped", _json({key: {"nested": True} for key in good} or {"version": "x"}), (400,)),
        ("oversize", _json({**good, "padding": BIG}), (413,)),
    ]
    for label, content, statuses in bad:
        response = await notification_service.client.request(
            method, url, content=content, headers=headers
        )
        _is_problem(response, statuses, label)
    assert await _counts(notification_service) == before, "a refused body wrote something"


PREFERENCE_BODIES: list[tuple[str, Any, int]] = [
    ("unknown type", {"preferences": [{"type": "spam", "channel": "email", "cadence": "off"}]}, 400),
    ("unknown channel", {"preferences": [{"type": "welcome", "channel": "fax", "cadence": "off"}]}, 400),
    ("unknown cadence", {"preferences": [{"type": "welcome", "channel": "email", "cadence": "hourly"}]}, 400),
    ("unknown time zone", {"timezone": "Mars/Olympus"}, 422),
    ("quiet hours of no length", {"quiet_hours": {"start": "22:00", "end": "22:00"}}, 422),
    ("quiet hours not a time", {"quiet_hours": {"start": "25:00", "end": "07:00"}}, 400),
    ("a type twice", {"preferences": [
        {"type": "welcome", "channel": "email", "cadence": "off"},
        {"type": "welcome", "channel": "email", "cadence": "daily"},
    ]}, 422),
    ("a critical type off", {"preferences": [
        {"type": "invitation", "channel": "email", "cadence": "off"}]}, 422),
    ("too many entries", {"preferences": [
        {"type": "welcome", "channel": "email", "cadence": "off"}] * 65}, 400),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "body", "status"), PREFERENCE_BODIES, ids=[p[0] for p in PREFERENCE_BODIES]
)
async def test_preferences_refuse_what_a_rule_refuses_and_write_nothing(
    notification_service: RunningNotification, label: str, body: Any, status: int
) -> None:
    before = await _counts(notification_service)
    response = await notification_service.client.put(
        "/me/notification-preferences",
        json=body,
        headers=notification_service.bearer("s1", COLLEGE),
    )
    _is_problem(response, (status,), label)
    assert await _counts(notification_service) == before


DEFAULTS_BODIES: list[tuple[str, Any, int]] = [
    ("unknown type", {"defaults": [{"type": "spam", "channels": ["email"]}]}, 400),
    ("unknown channel", {"defaults": [{"type": "welcome", "channels": ["fax"]}]}, 400),
    ("no list", {}, 400),
    ("a critical type without email", {"defaults": [
        {"type": "password_reset", "channels": ["sms"]}]}, 422),
    ("a critical type in the inbox", {"defaults": [
        {"type": "password_reset", "channels": ["email", "in_app"]}]}, 422),
    ("a critical type with nothing", {"defaults": [
        {"type": "invitation", "channels": []}]}, 422),
    ("a type twice", {"defaults": [
        {"type": "welcome", "channels": ["email"]},
        {"type": "welcome", "channels": []},
    ]}, 422),
    ("too many entries", {"defaults": [{"type": "welcome", "channels": []}] * 17}, 400),
    ("too many channels", {"defaults": [{"type": "welcome", "channels": ["email"] * 5}]}, 400),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "body", "status"), DEFAULTS_BODIES, ids=[p[0] for p in DEFAULTS_BODIES]
)
async def test_college_defaults_refuse_what_a_rule_refuses_and_write_nothing(
    notification_service: RunningNotification, label: str, body: Any, status: int
) -> None:
    set_first = await notification_service.client.put(
        "/notification-defaults",
        json={"defaults": [{"type": "welcome", "channels": ["in_app"]}]},
        headers=_admin(notification_service),
    )
    assert set_first.status_code == 200, set_first.text
    before = await _counts(notification_service)
    response = await notification_service.client.put(
        "/notification-defaults", json=body, headers=_admin(notification_service)
    )
    _is_problem(response, (status,), label)
    assert await _counts(notification_service) == before
    kept = await notification_service.scalar("SELECT channels::text FROM college_channel_defaults")
    assert kept == '["in_app"]', "a refused change replaced the college's defaults"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/templates/spam/email", 400),  # an unknown type
        ("GET", "/templates/welcome/fax", 400),  # an unknown channel
        ("PUT", "/templates/nope/email", 400),
        ("GET", "/notifications?type=spam", 400),
        ("GET", "/notifications?state=lost", 400),
        ("GET", "/notifications?limit=0", 400),
        ("GET", "/notifications?limit=100000", 400),
        ("GET", "/notifications?offset=-1", 400),
        ("GET", "/notifications?offset=10001", 400),  # past the platform's offset bound
        ("GET", "/me/notifications?unread=maybe", 400),
        ("POST", "/me/notifications/not-a-uuid/read", 404),
        ("DELETE", "/me/push-subscriptions/not-a-uuid", 404),
        ("POST", "/templates/welcome/email/preview", 422),  # version and content at once
    ],
)
async def test_bad_parameters_are_problems_and_write_nothing(
    notification_service: RunningNotification, method: str, path: str, status: int
) -> None:
    before = await _counts(notification_service)
    body = {"subject": "x", "text_body": "y", "version": 1} if path.endswith("preview") else None
    body = body if method != "PUT" else {"subject": "x", "text_body": "y"}
    response = await notification_service.client.request(
        method, path, headers=_admin(notification_service), json=body
    )
    _is_problem(response, (status,), f"{method} {path}")
    assert await _counts(notification_service) == before


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()
