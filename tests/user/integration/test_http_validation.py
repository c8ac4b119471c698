"""Bad input gets a 4xx problem-details response and writes nothing."""

from __future__ import annotations

import pytest

from tests.user.integration.conftest import RunningUserService

# The relay would delete published outbox rows; without it, "wrote nothing" is countable.
pytestmark = pytest.mark.without_relay


@pytest.mark.parametrize(
    "body",
    [
        b'{"email": "a@example.edu", "display_name": ',  # malformed JSON
        b'{"email": "a@example.edu", "display_name": "A", "is_admin": true}',  # unknown field
        b'{"email": 42, "display_name": "A"}',  # wrong type
        b'{"display_name": "A"}',  # missing field
        b'{"email": "a@example.edu", "display_name": "A", "roles": ["wizard"]}',
        b'{"email": "a@example.edu", "display_name": "A", "timezone": "Mars/Olympus"}',
        b'{"email": "not-an-email", "display_name": "A"}',
        b"[]",
        b'{"email": "a@example.edu", "display_name": "A", "roles": ["super_admin"]}',
    ],
)
async def test_create_requests_are_refused_and_write_nothing(
    user_service: RunningUserService, body: bytes
) -> None:
    # There is no POST /users (profiles come from auth's account.registered): every body, bad
    # or well-formed, is refused as a method /users does not allow, with a problem.
    before = await user_service.row_counts()
    response = await user_service.client.post(
        "/users", content=body, headers={**user_service.admin(), "Content-Type": "application/json"}
    )
    assert response.status_code == 405, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 405
    assert problem["title"] and problem["type"].startswith("https://")
    assert problem["instance"] == "/users"
    # No request_id here: Litestar answers routing errors before the request-id middleware
    # runs (a platform gap, reported; the same holds for a 404 on an unknown path).
    assert await user_service.row_counts() == before


async def test_oversize_bodies_are_refused_with_413(user_service: RunningUserService) -> None:
    created = await user_service.create_user()
    before = await user_service.row_counts()
    huge_bio = "x" * (user_service.settings.max_request_body_bytes + 1)
    response = await user_service.client.patch(
        f"/users/{created['id']}", json={"bio": huge_bio}, headers=user_service.admin()
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await user_service.row_counts() == before
    assert await user_service.scalar("SELECT version FROM profiles") == 1


async def test_bad_patch_changes_nothing(user_service: RunningUserService) -> None:
    created = await user_service.create_user()
    before = await user_service.row_counts()
    for body in (
        {"locale": "english!!"},
        {"display_name": ""},
        {"avatar_url": "ftp://x"},
        {"id": "x"},
    ):
        response = await user_service.client.patch(
            f"/users/{created['id']}", json=body, headers=user_service.admin()
        )
        assert 400 <= response.status_code < 500, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await user_service.row_counts() == before
    assert await user_service.scalar("SELECT version FROM profiles") == 1


async def test_unknown_user_is_a_404_problem(user_service: RunningUserService) -> None:
    response = await user_service.client.get(
        "/users/00000000-0000-0000-0000-000000000000", headers=user_service.admin()
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    bad_id = await user_service.client.get("/users/not-a-uuid", headers=user_service.admin())
    assert bad_id.status_code in (400, 404)
