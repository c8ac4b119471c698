"""Every route needs a valid token; colleges never see each other; roles are enforced."""

from __future__ import annotations

import time

import jwt
import pytest

from lms_platform.kernel.roles import Role
from lms_platform.security.testing import TokenFactory
from tests.user.integration.conftest import OTHER_COLLEGE, RunningUserService

# The relay would delete published outbox rows; without it, "wrote nothing" is countable.
pytestmark = pytest.mark.without_relay


def _assert_unauthorized(response: object) -> None:
    assert response.status_code == 401, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert response.headers["www-authenticate"].startswith("Bearer")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users"),
        ("GET", "/users/{id}"),
        ("PUT", "/users/{id}"),
        ("PATCH", "/users/{id}"),
        ("DELETE", "/users/{id}"),
        ("GET", "/users/{id}/preferences"),
        ("PUT", "/users/{id}/preferences"),
    ],
)
async def test_every_route_refuses_a_missing_token(
    user_service: RunningUserService, method: str, path: str
) -> None:
    created = await user_service.create_user()
    response = await user_service.client.request(method, path.format(id=created["id"]), json={})
    _assert_unauthorized(response)


async def test_public_routes_need_no_token(user_service: RunningUserService) -> None:
    for path in ("/health", "/ready", "/metrics", "/schema/openapi.json"):
        response = await user_service.client.get(path)
        assert response.status_code == 200, (path, response.text)


async def test_bad_signature_expired_and_forged_tokens_are_refused(
    user_service: RunningUserService,
) -> None:
    created = await user_service.create_user()
    path = f"/users/{created['id']}"
    genuine = user_service.tokens

    impostor = TokenFactory(kid=genuine.kid)  # same kid, different private key
    bad_signature = impostor.mint(created["id"], "college-a")
    # Expired beyond the verifier's 30 s clock-skew leeway, with a valid lifetime.
    now = int(time.time())
    expired = genuine.sign(
        {**genuine.claims(created["id"], "college-a"), "iat": now - 600, "exp": now - 60}
    )
    unsigned_header = jwt.utils.base64url_encode(
        b'{"alg":"none","kid":"%s"}' % genuine.kid.encode()
    )
    unsigned_claims = jwt.utils.base64url_encode(
        jwt.api_jws.json.dumps(genuine.claims(created["id"], "college-a")).encode()
    )
    unsigned = f"{unsigned_header.decode()}.{unsigned_claims.decode()}."
    unknown_kid = genuine.sign(genuine.claims(created["id"], "college-a"), headers={"kid": "nope"})
    wrong_audience = genuine.sign({**genuine.claims(created["id"], "college-a"), "aud": "other"})
    tampered = genuine.mint(created["id"], "college-a")
    header, payload, signature = tampered.split(".")
    claims = jwt.decode(tampered, options={"verify_signature": False})
    claims["roles"] = [Role.SUPER_ADMIN]
    forged_payload = jwt.utils.base64url_encode(jwt.api_jws.json.dumps(claims).encode()).decode()

    for token in (
        bad_signature,
        expired,
        unsigned,
        unknown_kid,
        wrong_audience,
        f"{header}.{forged_payload}.{signature}",
        "not-a-jwt",
    ):
        response = await user_service.client.get(path, headers={"Authorization": f"Bearer {token}"})
        _assert_unauthorized(response)


async def test_another_college_sees_404_for_every_route(user_service: RunningUserService) -> None:
    created = await user_service.create_user()
    outsider = user_service.admin(OTHER_COLLEGE)
    client = user_service.client
    path = f"/users/{created['id']}"
    responses = [
        await client.get(path, headers=outsider),
        await client.put(path, json={"display_name": "x"}, headers=outsider),
        await client.patch(path, json={"bio": "x"}, headers=outsider),
        await client.delete(path, headers=outsider),
        await client.get(f"{path}/preferences", headers=outsider),
        await client.put(f"{path}/preferences", json={}, headers=outsider),
    ]
    assert [r.status_code for r in responses] == [404] * 6
    listed = await client.get("/users", headers=outsider)
    assert listed.json()["total"] == 0
    assert (await user_service.row_counts())[0] == 1
    assert await user_service.scalar("SELECT version FROM profiles") == 1  # nothing was changed


async def test_a_student_cannot_edit_or_delete_someone_else(
    user_service: RunningUserService,
) -> None:
    victim = await user_service.create_user(email="victim@example.edu")
    student = await user_service.create_user(email="student@example.edu")
    as_student = user_service.token(student["id"])
    client, path = user_service.client, f"/users/{victim['id']}"

    assert (await client.patch(path, json={"bio": "pwned"}, headers=as_student)).status_code == 403
    assert (
        await client.put(path, json={"display_name": "x"}, headers=as_student)
    ).status_code == 403
    assert (await client.delete(path, headers=as_student)).status_code == 403
    assert (await client.get(path, headers=as_student)).status_code == 403
    assert (await client.get(f"{path}/preferences", headers=as_student)).status_code == 403
    assert (await client.get("/users", headers=as_student)).status_code == 403
    assert await user_service.scalar("SELECT count(*) FROM profiles WHERE version > 1") == 0
    assert (await user_service.row_counts())[0] == 2


async def test_instructors_read_but_do_not_edit_college_profiles(
    user_service: RunningUserService,
) -> None:
    student = await user_service.create_user(email="s@example.edu")
    instructor = user_service.token("teacher-1", roles=(Role.INSTRUCTOR,))
    path = f"/users/{student['id']}"
    assert (await user_service.client.get(path, headers=instructor)).status_code == 200
    assert (await user_service.client.get("/users", headers=instructor)).status_code == 200
    assert (
        await user_service.client.patch(path, json={"bio": "x"}, headers=instructor)
    ).status_code == 403
