"""Defect 5 (issue 8): self-signup skipped email verification.

Someone could sign up as prof@college.edu and at once get a token, and (through
``account.registered``) a profile under that address. Now a self-signed-up account cannot log
in before the emailed link proves the address (a college setting, on by default), and
``account.registered`` goes out when the account becomes usable, not at signup."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from lms.auth.config import AuthSettings
from tests.auth.integration.conftest import RunningAuthService
from tests.auth.integration.test_credentials import account_events

PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def auth_settings(auth_settings: AuthSettings) -> AuthSettings:
    return msgspec.structs.replace(auth_settings, signup_ip_limit=50)


async def _open_signup(service: RunningAuthService, **settings: Any) -> dict[str, Any]:
    college = await service.create_college("uni-a")
    opened = await service.client.patch(
        f"/colleges/{college['id']}/settings",
        json={"allow_self_signup": True, **settings},
        headers=service.root,
    )
    assert opened.status_code == 200, opened.text
    return dict(opened.json())


async def _signup(service: RunningAuthService, email: str) -> None:
    answer = await service.client.post(
        "/auth/signup", json={"college": "uni-a", "email": email, "password": PASSWORD}
    )
    assert answer.status_code == 202, answer.text


async def _registered(service: RunningAuthService, bootstrap: str, email: str) -> int:
    events = await account_events(service, bootstrap, "account.registered")
    return sum(1 for event in events if event["email"] == email)


async def test_self_signup_waits_for_email_verification_before_login(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    college = await _open_signup(auth_service)
    await _signup(auth_service, "prof@uni-a.edu")

    early = await auth_service.login("uni-a", "prof@uni-a.edu", PASSWORD)
    assert early.status_code == 403, early.text
    assert early.json()["code"] == "email_not_verified"
    wrong = await auth_service.login("uni-a", "prof@uni-a.edu", "not the password at all")
    assert wrong.status_code == 401  # only the right password learns the account waits
    assert await _registered(auth_service, kafka_bootstrap, "prof@uni-a.edu") == 0  # no profile

    (link,) = await account_events(
        auth_service, kafka_bootstrap, "account.email_verification_requested", "credential"
    )
    verified = await auth_service.client.post(
        "/auth/verify-email", json={"token": link["verification_token"]}
    )
    assert verified.status_code == 204, verified.text
    assert await _registered(auth_service, kafka_bootstrap, "prof@uni-a.edu") == 1
    assert (await auth_service.login("uni-a", "prof@uni-a.edu", PASSWORD)).status_code == 200
    assert await _registered(auth_service, kafka_bootstrap, "prof@uni-a.edu") == 1  # once
    assert college["signup_requires_verification"] is True  # the default


async def test_a_college_may_let_self_signup_log_in_at_once(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    await _open_signup(auth_service, signup_requires_verification=False)
    await _signup(auth_service, "fast@uni-a.edu")
    assert await _registered(auth_service, kafka_bootstrap, "fast@uni-a.edu") == 1
    assert (await auth_service.login("uni-a", "fast@uni-a.edu", PASSWORD)).status_code == 200


async def test_an_account_waiting_when_the_college_drops_the_rule_becomes_usable_once(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    college = await _open_signup(auth_service)
    await _signup(auth_service, "late@uni-a.edu")
    assert (await auth_service.login("uni-a", "late@uni-a.edu", PASSWORD)).status_code == 403
    relaxed = await auth_service.client.patch(
        f"/colleges/{college['id']}/settings",
        json={"signup_requires_verification": False},
        headers=auth_service.root,
    )
    assert relaxed.status_code == 200, relaxed.text
    assert (await auth_service.login("uni-a", "late@uni-a.edu", PASSWORD)).status_code == 200
    assert (await auth_service.login("uni-a", "late@uni-a.edu", PASSWORD)).status_code == 200
    assert await _registered(auth_service, kafka_bootstrap, "late@uni-a.edu") == 1
