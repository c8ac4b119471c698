"""Every route of the notification service, by caller: no token, a student, an instructor, the
college's admin, another college's admin, a super admin and an API key. Each refused call gets
its status and writes nothing; each allowed call succeeds. The table must list every route the
app serves (the first test fails on a new route without an entry).

- ``/me/...`` belongs to the caller: any account may call it, an API key may not (403); another
  person's notification or device answers 404, as if it did not exist.
- ``/notifications``, ``/templates/...`` and ``/notification-defaults`` are for the college's
  admins (and super admins; templates and defaults only with ``college:configure``): a student
  or instructor gets 403; another college's admin reads and writes only their own college, and
  asking for this college by ``college_id`` is 403.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lms.notification.config import NotificationSettings
from lms.notification.main import SERVICE
from lms_platform.runtime import ServiceRuntime
from tests.notification.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    publish_to,
    registered,
    wait_for,
)
from tests.notification.integration.push_endpoint import Device
from tests.notification.permissions import default_permissions

CALLERS = (
    "student", "instructor", "admin", "unconfigured_admin", "other_admin", "super_admin", "api_key"
)  # fmt: skip
ACCOUNTS = frozenset(
    {"student", "instructor", "admin", "unconfigured_admin", "other_admin", "super_admin"}
)
# other_admin: in their own college. unconfigured_admin: a college admin whose college took
# college:configure away from its admins; it still reads the delivery history.
ADMINS = frozenset({"admin", "unconfigured_admin", "super_admin", "other_admin"})
TEMPLATE_MANAGERS = ADMINS - {"unconfigured_admin"}
ADMIN = ("college_admin",)
CONFIGURE = default_permissions(ADMIN)
PLATFORM_PATHS = ("/health", "/ready", "/metrics", "/schema")


@dataclass
class World:
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    path: Callable[[World], str]
    body: Any = None
    status: int = 200
    refusals: dict[str, int] = field(default_factory=dict)  # default 403


def _fixed(path: str) -> Callable[[World], str]:
    return lambda _world: path


PREFS = {"preferences": [{"type": "welcome", "channel": "email", "cadence": "daily"}]}
TEMPLATE = {"subject": "Hi {{ email }}", "text_body": "Welcome {{ display_name }}"}
DEFAULTS = {"defaults": [{"type": "welcome", "channels": ["in_app"]}]}
DEVICE = Device()
SUBSCRIPTION = {"endpoint": "https://push.example.com/s/1",
                "keys": {"p256dh": DEVICE.p256dh, "auth": DEVICE.auth}}  # fmt: skip
NOT_OWNER = {
    c: 404 for c in ("instructor", "admin", "unconfigured_admin", "other_admin", "super_admin")
} | {"api_key": 403}

TABLE: dict[tuple[str, str], Rule] = {
    ("GET", "/me/notification-preferences"): Rule(ACCOUNTS, _fixed("/me/notification-preferences")),
    ("PUT", "/me/notification-preferences"): Rule(
        ACCOUNTS, _fixed("/me/notification-preferences"), PREFS
    ),
    ("GET", "/me/notifications"): Rule(ACCOUNTS, _fixed("/me/notifications")),
    ("POST", "/me/notifications/{notification_id:uuid}/read"): Rule(
        frozenset({"student"}),
        lambda w: f"/me/notifications/{w.ids['notification']}/read",
        status=204,
        refusals=NOT_OWNER,
    ),  # fmt: skip
    ("POST", "/me/push-subscriptions"): Rule(
        ACCOUNTS, _fixed("/me/push-subscriptions"), SUBSCRIPTION, status=201
    ),
    ("DELETE", "/me/push-subscriptions/{subscription_id:uuid}"): Rule(
        frozenset({"student"}),
        lambda w: f"/me/push-subscriptions/{w.ids['subscription']}",
        status=204,
        refusals=NOT_OWNER,
    ),  # fmt: skip
    ("GET", "/notifications"): Rule(ADMINS, _fixed("/notifications")),
    ("GET", "/templates/{kind:str}/{channel:str}"): Rule(
        TEMPLATE_MANAGERS, _fixed("/templates/welcome/email")
    ),
    ("GET", "/templates/{kind:str}/{channel:str}/versions"): Rule(
        TEMPLATE_MANAGERS, _fixed("/templates/welcome/email/versions")
    ),
    ("PUT", "/templates/{kind:str}/{channel:str}"): Rule(
        TEMPLATE_MANAGERS, _fixed("/templates/welcome/email"), TEMPLATE, status=201
    ),
    ("POST", "/templates/{kind:str}/{channel:str}/preview"): Rule(
        TEMPLATE_MANAGERS, _fixed("/templates/welcome/email/preview"), {}
    ),
    ("GET", "/notification-defaults"): Rule(TEMPLATE_MANAGERS, _fixed("/notification-defaults")),
    ("PUT", "/notification-defaults"): Rule(
        TEMPLATE_MANAGERS, _fixed("/notification-defaults"), DEFAULTS
    ),
}


def _served_routes(settings: NotificationSettings) -> set[tuple[str, str]]:
    app = ServiceRuntime(SERVICE, settings).http_app()
    return {
        (method, route.path)
        for route in app.routes
        if not route.path.startswith(PLATFORM_PATHS)
        for method in getattr(route, "methods", ())
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_served_route_has_an_entry(notification_settings: NotificationSettings) -> None:
    assert _served_routes(notification_settings) == set(TABLE)


async def _world(service: RunningNotification, bootstrap: str) -> World:
    world = World()
    student = str(uuid.uuid4())
    world.ids["student"] = student
    mint = service.bearer
    world.headers = {
        "student": mint(student, COLLEGE, roles=("student",)),
        "instructor": mint(str(uuid.uuid4()), COLLEGE, roles=("instructor",)),
        "admin": mint(str(uuid.uuid4()), COLLEGE, roles=ADMIN, permissions=CONFIGURE),
        "unconfigured_admin": mint(str(uuid.uuid4()), COLLEGE, roles=ADMIN),
        "other_admin": mint(str(uuid.uuid4()), OTHER_COLLEGE, roles=ADMIN, permissions=CONFIGURE),
        "super_admin": mint(
            str(uuid.uuid4()), "platform", roles=("super_admin",), permissions=CONFIGURE
        ),
        "api_key": mint(f"apikey:{uuid.uuid4()}", COLLEGE, roles=()),
    }
    await publish_to(service, bootstrap, "account", registered(student, "s@uni-a.edu"))

    async def welcomed() -> bool:
        inbox = await service.client.get("/me/notifications", headers=world.headers["student"])
        return inbox.status_code == 200 and inbox.json()["total"] == 1

    await wait_for(welcomed)
    inbox = await service.client.get("/me/notifications", headers=world.headers["student"])
    world.ids["notification"] = inbox.json()["items"][0]["id"]
    return world


async def _subscribe(service: RunningNotification, world: World) -> None:
    made = await service.client.post(
        "/me/push-subscriptions",
        json=SUBSCRIPTION | {"endpoint": f"https://push.example.com/s/{uuid.uuid4()}"},
        headers=world.headers["student"],
    )
    assert made.status_code == 201, made.text
    world.ids["subscription"] = made.json()["id"]


_TABLES = ("preferences", "push_subscriptions", "templates", "notifications", "deliveries",
           "college_channel_defaults")  # fmt: skip


async def _counts(service: RunningNotification) -> dict[str, Any]:
    counts: dict[str, Any] = {t: await service.scalar(f"SELECT count(*) FROM {t}") for t in _TABLES}
    counts["read"] = await service.scalar("SELECT count(read_at) FROM notifications")
    return counts


async def test_each_route_answers_each_caller_as_the_table_says(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    world = await _world(notification_service, kafka_bootstrap)
    client = notification_service.client
    failures = []
    for (method, route), rule in TABLE.items():
        await _subscribe(notification_service, world)
        path = rule.path(world)
        kwargs = {"json": rule.body} if rule.body is not None else {}
        anonymous = await client.request(method, path, **kwargs)
        if anonymous.status_code != 401:
            failures.append(f"{method} {route} without a token: {anonymous.status_code}")
        for caller in CALLERS:
            if caller in rule.allowed:
                continue
            before = await _counts(notification_service)
            response = await client.request(method, path, headers=world.headers[caller], **kwargs)
            expected = rule.refusals.get(caller, 403)
            if response.status_code != expected:
                failures.append(
                    f"{method} {route} as {caller}: {response.status_code} != {expected}"
                )
            if await _counts(notification_service) != before:
                failures.append(f"{method} {route} as {caller} wrote something")
        for caller in CALLERS:
            if caller not in rule.allowed:
                continue
            if rule.path(world) != path:  # a delete consumed the object: make a new one
                path = rule.path(world)
            response = await client.request(method, path, headers=world.headers[caller], **kwargs)
            if response.status_code != rule.status:
                failures.append(
                    f"{method} {route} as {caller}: {response.status_code} {response.text[:200]}"
                )
            if method == "DELETE":
                await _subscribe(notification_service, world)
    assert failures == []


async def test_admins_see_only_their_college_and_cannot_ask_for_another(
    notification_service: RunningNotification, kafka_bootstrap: str
) -> None:
    world = await _world(notification_service, kafka_bootstrap)
    client, headers = notification_service.client, world.headers

    async def deliveries(caller: str, query: str = "") -> Any:
        return await client.get(f"/notifications{query}", headers=headers[caller])

    mine = await deliveries("admin")
    assert mine.json()["total"] == 2  # the welcome: email and in-app
    assert {d["user_id"] for d in mine.json()["items"]} == {world.ids["student"]}
    other = await deliveries("other_admin")
    assert other.status_code == 200 and other.json()["total"] == 0
    asked = await deliveries("other_admin", f"?college_id={COLLEGE}")
    assert asked.status_code == 403
    platform = await deliveries("super_admin", f"?college_id={COLLEGE}")
    assert platform.json()["total"] == 2
    filtered = await deliveries("admin", "?channel=in_app&state=delivered&type=welcome")
    assert [d["channel"] for d in filtered.json()["items"]] == ["in_app"]
    by_user = await deliveries("admin", f"?user_id={uuid.uuid4()}")
    assert by_user.json()["total"] == 0
