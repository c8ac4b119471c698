"""Brute force is throttled, and the answers do not reveal whether an account exists."""

from __future__ import annotations

import httpx

from tests.auth.integration.conftest import LOCKOUT_THRESHOLD, PASSWORD, RunningAuthService


def _visible(response: httpx.Response) -> tuple[int, str, str, str | None]:
    body = response.json()
    return (response.status_code, body["code"], body["detail"], response.headers.get("retry-after"))


async def test_known_and_unknown_accounts_are_throttled_identically(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    answers: dict[str, list[tuple[int, str, str, str | None]]] = {}
    for email in ("ada@uni-a.edu", "ghost@uni-a.edu"):
        answers[email] = [
            _visible(await auth_service.login("uni-a", email, "wrong password!"))
            for _ in range(LOCKOUT_THRESHOLD + 1)
        ]
    assert answers["ada@uni-a.edu"] == answers["ghost@uni-a.edu"]
    expected_failure = (401, "unauthorized", "invalid credentials", None)
    assert answers["ada@uni-a.edu"][:LOCKOUT_THRESHOLD] == [expected_failure] * LOCKOUT_THRESHOLD
    status, _, detail, retry_after = answers["ada@uni-a.edu"][-1]
    assert (status, detail, retry_after) == (
        429,
        "too many login attempts; try again later",
        "30",
    )
    # Locked: even the right password waits out the cool-down.
    assert (await auth_service.login("uni-a", "ada@uni-a.edu", PASSWORD)).status_code == 429
    assert (
        await auth_service.scalar(
            "SELECT failed_logins FROM accounts WHERE email = 'ada@uni-a.edu'"
        )
        == LOCKOUT_THRESHOLD
    )


async def test_an_unknown_college_answers_like_a_wrong_password(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    wrong_password = await auth_service.login("uni-a", "ada@uni-a.edu", "wrong password!")
    no_college = await auth_service.login("no-such-college", "ada@uni-a.edu")
    assert _visible(wrong_password) == _visible(no_college)


async def test_the_account_row_locks_even_when_redis_forgets(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    for _ in range(LOCKOUT_THRESHOLD):
        await auth_service.login("uni-a", "ada@uni-a.edu", "wrong password!")
    assert auth_service.service.redis is not None
    await auth_service.service.redis.flushdb()
    response = await auth_service.login("uni-a", "ada@uni-a.edu", PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) <= 30
