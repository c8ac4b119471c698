"""Bad input gets a 4xx problem-details response and writes nothing."""

from __future__ import annotations

import pytest

from tests.user.integration.conftest import RunningUserService

# The relay would delete published outbox rows; without it, "wrote nothing" is countable.
pytestmark = pytest.mark.without_relay


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"email": "a@example.edu", "display_name": ', 400),  # malformed JSON
        (
            b'{"email": "a@example.edu", "display_name": "A", "is_admin": true}',
            400,
        ),  # unknown field
        (b'{"email": 42, "display_name": "A"}', 400),  # wrong type
        (b'{"display_name": "A"}', 400),  # missing required field
        (b'{"email": "a@example.edu", "display_name": "A", "roles": ["wizard"]}', 400),
        (b'{"email": "a@example.edu", "display_name": "A", "timezone": "Mars/Olympus"}', 422),
        (b'{"email": "not-an-email", "display_name": "A"}', 422),
        (b"[]", 400),
    ],
)
async def test_bad_create_requests_are_refused_and_write_nothing(
    user_service: RunningUserService, body: bytes, status: int
) -> None:
    before = await user_service.row_counts()
    response = await user_service.client.post(
        "/users", content=body, headers={**user_service.admin(), "Content-Type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"] and problem["type"].startswith("https://")
    assert problem["instance"] == "/users"
    assert problem["request_id"] == response.headers["x-request-id"]
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
