"""Issue 15, must show: a password reset and an invitation end to end, with the real auth
service. Auth queues the ask and publishes through its outbox; this service sends the mail to a
real SMTP server; the link in it completes the flow at auth. (A cross-service test: it moves to
tests/e2e/ when that folder exists.)"""

from __future__ import annotations

import re

import pytest

from lms.auth.config import AuthSettings
from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
from lms_platform.testing.services import free_port
from lms_platform.testing.smtp import SmtpSink
from tests.auth.integration.conftest import (  # noqa: F401 - fixtures used by name
    PASSWORD,
    RunningAuthService,
    auth_dsn,
    auth_service,
    auth_template,
)
from tests.notification.integration.events import RunningNotification

NEW_PASSWORD = "a brand new passphrase 42"
_LINK = re.compile(
    r"http://lms\.test/(?:reset-password|accept-invitation)\?token=([A-Za-z0-9_\-]+)"
)


@pytest.fixture
def auth_settings(
    auth_dsn: str,  # noqa: F811
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
) -> AuthSettings:
    """Auth as the integration tests run it, with the links it puts in its events."""
    return AuthSettings(
        environment="test",
        database_url=to_asyncpg_sqlalchemy_url(auth_dsn),
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=kafka_namespace,
        http_port=free_port(),
        key_encryption_key="integration-test-kek",
        signing_key_publish_ahead_seconds=0,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        password_reset_url_template="http://lms.test/reset-password?token={token}",
        invitation_url_template="http://lms.test/accept-invitation?token={token}",
    )


def _token_in(text: str) -> str:
    found = _LINK.search(text)
    assert found, f"no link in the mail:\n{text}"
    return found.group(1)


async def test_a_password_reset_goes_from_auth_through_the_mailbox_back_to_auth(
    auth_service: RunningAuthService,  # noqa: F811
    notification_service: RunningNotification,
    smtp_server: SmtpSink,
) -> None:
    college = await auth_service.create_college("uni-a")
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    auth = auth_service.client

    asked = await auth.post(
        "/auth/password-reset/request", json={"college": "uni-a", "email": "ada@uni-a.edu"}
    )
    assert asked.status_code == 202, asked.text
    # The welcome mail of the account's registration may come first.
    mail = await smtp_server.wait_for_subject("Reset your", to="ada@uni-a.edu", timeout=60)
    token = _token_in(mail.text())

    done = await auth.post(
        "/auth/password-reset/complete", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    assert (await auth_service.login("uni-a", "ada@uni-a.edu", NEW_PASSWORD)).status_code == 200
    assert (await auth_service.login("uni-a", "ada@uni-a.edu", PASSWORD)).status_code == 401
    # The link works once.
    again = await auth.post(
        "/auth/password-reset/complete", json={"token": token, "new_password": NEW_PASSWORD + "!"}
    )
    assert again.status_code == 400, again.text


async def test_an_invitation_goes_from_auth_through_the_mailbox_back_to_auth(
    auth_service: RunningAuthService,  # noqa: F811
    notification_service: RunningNotification,
    smtp_server: SmtpSink,
) -> None:
    college = await auth_service.create_college("uni-a")
    invited = await auth_service.client.post(
        f"/colleges/{college['id']}/invitations",
        json={"email": "grace@uni-a.edu", "roles": ["student"]},
        headers=auth_service.root,
    )
    assert invited.status_code == 201, invited.text
    assert (await auth_service.login("uni-a", "grace@uni-a.edu", NEW_PASSWORD)).status_code == 401

    mail = await smtp_server.wait_for_subject("You are invited", to="grace@uni-a.edu", timeout=60)
    token = _token_in(mail.text())
    accepted = await auth_service.client.post(
        "/auth/invitations/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 204, accepted.text
    assert (await auth_service.login("uni-a", "grace@uni-a.edu", NEW_PASSWORD)).status_code == 200
    invitations = [m for m in smtp_server.to("grace@uni-a.edu") if "invited" in m.subject]
    assert len(invitations) == 1
