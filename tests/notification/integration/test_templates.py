"""Templates per college x type x channel: versioned, previewable, used when sending; a
template that does not render is refused (400) and nothing is written."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from lms_platform.testing.smtp import SmtpSink
from tests.notification.integration.conftest import COLLEGE, OTHER_COLLEGE
from tests.notification.integration.events import (
    RunningNotification,
    password_reset,
    publish_to,
)
from tests.notification.permissions import default_permissions

ADMIN = ("college_admin",)

PATH = "/templates/password_reset/email"
MINE = {
    "subject": "{{ college_name }}: new password",
    "text_body": "Hi {{ display_name }}, go to {{ reset_url }} before {{ expires_at }}.",
    "html_body": '<a href="{{ reset_url }}">reset</a> for {{ display_name }}',
}


def _admin(service: RunningNotification, college: str = COLLEGE) -> dict[str, str]:
    return service.bearer(
        "admin-" + college, college, roles=ADMIN, permissions=default_permissions(ADMIN)
    )


async def test_a_new_version_is_previewed_stored_and_used_for_the_next_mail(
    notification_service: RunningNotification, smtp_server: SmtpSink, kafka_bootstrap: str
) -> None:
    client, admin = notification_service.client, _admin(notification_service)
    default = await client.get(PATH, headers=admin)
    assert default.status_code == 200, default.text
    assert default.json()["version"] == 0 and default.json()["is_default"] is True
    assert "reset_url" in default.json()["variables"]

    preview = await client.post(f"{PATH}/preview", json=MINE, headers=admin)
    assert preview.status_code == 200, preview.text
    assert preview.json()["subject"] == "Example University: new password"
    assert "Ada Lovelace" in preview.json()["html_body"]
    assert await notification_service.scalar("SELECT count(*) FROM templates") == 0

    written = await client.put(PATH, json=MINE, headers=admin)
    assert written.status_code == 201, written.text
    assert written.json()["version"] == 1
    second = await client.put(PATH, json=MINE | {"subject": "v2 {{ college_name }}"}, headers=admin)
    assert second.json()["version"] == 2
    versions = await client.get(f"{PATH}/versions", headers=admin)
    assert [v["version"] for v in versions.json()["items"]] == [2, 1]
    old = await client.post(f"{PATH}/preview", json={"version": 1}, headers=admin)
    assert old.json()["subject"] == "Example University: new password"
    # Another college still has the default.
    other = await client.get(PATH, headers=_admin(notification_service, OTHER_COLLEGE))
    assert other.json()["version"] == 0

    await publish_to(
        notification_service, kafka_bootstrap, "credential",
        password_reset(str(uuid.uuid4()), "ada@uni-a.edu", token="t0k"),
    )  # fmt: skip
    (mail,) = await smtp_server.wait_for(1, to="ada@uni-a.edu")
    assert mail.subject == "v2 Uni A"
    assert "go to http://lms.test/reset-password?token=t0k before" in mail.text()


@pytest.mark.parametrize(
    ("change", "part"),
    [
        ({"text_body": "{{ reset_url "}, "text_body"),  # does not parse
        ({"subject": "{{ password }}"}, "subject"),  # not a variable of the type
        ({"html_body": "{% macro m() %}x{% endmacro %}"}, "html_body"),  # refused construct
        ({"text_body": "{{ reset_url.__class__ }}"}, "text_body"),  # the sandbox refuses it
        ({"text_body": "{{ 1 / 0 }}"}, "text_body"),  # fails while rendering the sample
    ],
)
async def test_a_template_that_fails_to_render_is_refused_and_nothing_is_written(
    notification_service: RunningNotification, change: dict[str, str], part: str
) -> None:
    response = await notification_service.client.put(
        PATH, json=MINE | change, headers=_admin(notification_service)
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "invalid_template"
    assert response.json()["extra"]["part"] == part
    assert await notification_service.scalar("SELECT count(*) FROM templates") == 0


async def test_versions_are_immutable_in_the_database(
    notification_service: RunningNotification,
) -> None:
    written = await notification_service.client.put(
        PATH, json=MINE, headers=_admin(notification_service)
    )
    assert written.status_code == 201
    with pytest.raises(Exception, match="immutable"):
        await notification_service.scalar("UPDATE templates SET subject = 'x' RETURNING 1")


# --- the platform's sandbox, as the service runs it (lms_platform/templating) ---------------

# 12 characters doubled 22 times: 50 million, printed only as a length.
DOUBLING = "{% set a = display_name %}\n" + "{% set a = a ~ a %}\n" * 22 + "{{ a|length }}"
# Hundreds of millions of empty loop rounds: no sandbox hook runs inside them.
CPU_LOOP = (
    "{% set s = display_name * 1500 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}x"
)


async def test_a_doubling_bomb_is_refused_where_it_crosses_the_size_limit(
    notification_service: RunningNotification,
) -> None:
    started = time.monotonic()
    response = await notification_service.client.post(
        f"{PATH}/preview", json=MINE | {"text_body": DOUBLING}, headers=_admin(notification_service)
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 400, response.text
    assert response.json()["extra"] == {"part": "text_body", "line": 15}
    assert "longer than 100000 characters" in response.json()["detail"]
    assert elapsed < 10, f"refused after {elapsed:.1f} s"


async def test_a_cpu_loop_is_cut_at_the_time_limit_while_the_service_keeps_answering(
    notification_service: RunningNotification,
) -> None:
    client, admin = notification_service.client, _admin(notification_service)
    started = time.monotonic()
    looping = asyncio.create_task(
        client.post(f"{PATH}/preview", json=MINE | {"text_body": CPU_LOOP}, headers=admin)
    )
    await asyncio.sleep(0.5)
    health = await client.get("/health")
    health_answered = time.monotonic() - started
    response = await looping
    elapsed = time.monotonic() - started

    assert health.status_code == 200
    assert health_answered < 5, f"/health waited {health_answered:.1f} s behind the render"
    assert response.status_code == 400, f"{response.status_code} after {elapsed:.1f} s"
    limit = notification_service.settings.template_render_timeout_seconds
    assert f"took longer than {limit:g} s" in response.json()["detail"]
    assert elapsed < limit + 6, f"answered after {elapsed:.1f} s"
    # The killed worker is replaced: the next preview renders.
    after = await client.post(f"{PATH}/preview", json=MINE, headers=admin)
    assert after.status_code == 200, after.text
