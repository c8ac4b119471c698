"""Issue 8, defect 6, end to end: the real auth service changes, deactivates and deletes an
account, and re-invites its email; the real user service's profiles follow through auth's
outbox, the broker and the consumer. (A cross-service test: it moves to tests/e2e/ when that
folder exists.)"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.auth.integration.conftest import (  # noqa: F401 - fixtures used by name
    RunningAuthService,
    auth_dsn,
    auth_service,
    auth_settings,
    auth_template,
)
from tests.user.integration.accounts import wait_for
from tests.user.integration.conftest import RunningUserService


async def test_profiles_follow_their_accounts_through_the_real_auth_service(
    auth_service: RunningAuthService, user_service: RunningUserService  # noqa: F811
) -> None:
    assert auth_service.settings.kafka_topic_prefix == user_service.settings.kafka_topic_prefix
    college = await auth_service.create_college()
    admin = user_service.admin(college["id"])
    account = await auth_service.create_account(college["id"], "ada@uni-a.edu")
    path = f"/users/{account['id']}"

    async def profile_shows(check: Callable[[httpx.Response], bool]) -> None:
        async def shown() -> bool:
            return check(await user_service.client.get(path, headers=admin))

        await wait_for(shown, timeout=60)  # the first event waits for the group to join

    def field(name: str, value: object) -> Callable[[httpx.Response], bool]:
        return lambda response: response.status_code == 200 and response.json()[name] == value

    await profile_shows(field("email", "ada@uni-a.edu"))

    auth = auth_service.client
    root = auth_service.root
    changed = await auth.patch(
        f"/accounts/{account['id']}", json={"email": "ada.king@uni-a.edu"}, headers=root
    )
    assert changed.status_code == 200, changed.text
    await profile_shows(field("email", "ada.king@uni-a.edu"))

    paused = await auth.post(f"/accounts/{account['id']}/deactivate", headers=root)
    assert paused.status_code == 200, paused.text
    await profile_shows(field("status", "deactivated"))

    deleted = await auth.delete(f"/accounts/{account['id']}", headers=root)
    assert deleted.status_code == 204, deleted.text
    await profile_shows(lambda response: response.status_code == 404)

    again = await auth_service.create_account(college["id"], "ada.king@uni-a.edu")
    assert again["id"] != account["id"]
    path = f"/users/{again['id']}"
    await profile_shows(field("email", "ada.king@uni-a.edu"))
    dead = await user_service.scalar(
        "SELECT count(*) FROM profiles WHERE email = 'ada.king@uni-a.edu' AND status = 'deleted'"
    )
    assert dead == 1  # the old profile stays for references, hidden
