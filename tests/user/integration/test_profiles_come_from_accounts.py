"""Issue 8, defect 8 (user part): POST /users took ``roles`` and ``id`` from the client.

Roles belong to auth, and a profile's id must be an account's id. A college admin could create a
profile under any id with any roles, super_admin included; if that id was an account whose
``account.registered`` had not been consumed yet (of any college), the event then found "its"
profile and left it alone. Profiles now come only from auth's events.
"""

from __future__ import annotations

import uuid

import pytest

from tests.user.integration.accounts import publish_for, registered, wait_until_consumed
from tests.user.integration.conftest import OTHER_COLLEGE, RunningUserService

# The relay would delete published outbox rows; without it, "wrote nothing" is countable.
pytestmark = pytest.mark.without_relay


async def test_post_users_takes_neither_roles_nor_an_id_from_the_client(
    user_service: RunningUserService, kafka_bootstrap: str
) -> None:
    account_id = uuid.uuid4()  # an account of another college, its event not yet consumed
    before = await user_service.row_counts()
    response = await user_service.client.post(
        "/users",
        json={
            "email": "mallory@example.edu",
            "display_name": "Mallory",
            "roles": ["super_admin"],
            "id": str(account_id),
        },
        headers=user_service.admin(),
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await user_service.row_counts() == before

    schema = (await user_service.client.get("/schema/openapi.json")).json()
    assert "post" not in schema["paths"]["/users"]  # the contract says so too

    # The account's own event makes the profile: its college, its email, its roles.
    await publish_for(
        user_service,
        kafka_bootstrap,
        registered(account_id, "kim@uni-b.edu", college=OTHER_COLLEGE, roles=["instructor"]),
    )
    await wait_until_consumed(user_service, 1)
    profile = await user_service.client.get(
        f"/users/{account_id}", headers=user_service.admin(OTHER_COLLEGE)
    )
    assert profile.status_code == 200, profile.text
    assert (profile.json()["college_id"], profile.json()["email"], profile.json()["roles"]) == (
        OTHER_COLLEGE,
        "kim@uni-b.edu",
        ["instructor"],
    )
