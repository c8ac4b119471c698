"""Login, refresh rotation and reuse, deactivation, and key rotation over real HTTP, with
tokens checked by the platform's JWKS-based verifier as every other service checks them."""

from __future__ import annotations

import jwt
import pytest

from lms.auth.adapters.http.controllers import JwksCache
from lms.auth.adapters.security.jwt_tokens import JwtAccessTokenSigner
from lms.auth.application.ports import AccessTokenSigner
from lms_platform.security.verifier import InvalidToken
from tests.auth.integration.conftest import RunningAuthService


async def test_login_refresh_and_reuse_revokes_the_family(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college()
    account = await auth_service.create_account(college["id"], "ada@uni-a.edu", ("instructor",))
    first = await auth_service.login("uni-a", "ada@uni-a.edu")
    assert first.status_code == 200
    assert first.headers["cache-control"] == "no-store"
    body = first.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 900)
    principal = await auth_service.jwks_verifier().verify(body["access_token"])
    assert (principal.user_id, principal.tenant_id) == (account["id"], college["id"])
    assert principal.roles == {"instructor"} and principal.has_permission("course:create")

    second = await auth_service.client.post(
        "/auth/refresh", json={"refresh_token": body["refresh_token"]}
    )
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != body["refresh_token"]

    replay = await auth_service.client.post(
        "/auth/refresh", json={"refresh_token": body["refresh_token"]}
    )
    assert replay.status_code == 401
    assert replay.json()["detail"] == "invalid credentials"
    after = await auth_service.client.post(
        "/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert after.status_code == 401  # the whole family died, the legitimate link too
    assert (
        await auth_service.scalar("SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL")
        == 1
    )  # only the super admin's own session is left


async def test_logout_revokes_the_family(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    tokens = await auth_service.tokens("uni-a", "ada@uni-a.edu")
    out = await auth_service.client.post(
        "/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    again = await auth_service.client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_a_deactivated_account_is_refused(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college()
    account = await auth_service.create_account(college["id"], "ada@uni-a.edu")
    tokens = await auth_service.tokens("uni-a", "ada@uni-a.edu")
    response = await auth_service.client.post(
        f"/accounts/{account['id']}/deactivate", headers=auth_service.root
    )
    assert response.status_code == 200 and response.json()["status"] == "deactivated"

    login = await auth_service.login("uni-a", "ada@uni-a.edu")
    assert login.status_code == 403
    refresh = await auth_service.client.post(
        "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401

    back = await auth_service.client.post(
        f"/accounts/{account['id']}/reactivate", headers=auth_service.root
    )
    assert back.json()["status"] == "active"
    assert (await auth_service.login("uni-a", "ada@uni-a.edu")).status_code == 200


async def test_after_rotation_old_tokens_verify_and_new_ones_use_the_new_key(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college()
    await auth_service.create_account(college["id"], "ada@uni-a.edu")
    old_token = (await auth_service.tokens("uni-a", "ada@uni-a.edu"))["access_token"]
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    student = {"Authorization": f"Bearer {old_token}"}
    refused = await auth_service.client.post("/signing-keys/rotate", headers=student)
    assert refused.status_code == 403
    rotated = await auth_service.client.post("/signing-keys/rotate", headers=auth_service.root)
    assert rotated.status_code == 201, rotated.text
    new_kid = rotated.json()["kid"]
    signer = await auth_service.service.container.get(AccessTokenSigner)
    assert isinstance(signer, JwtAccessTokenSigner)
    signer.forget_key()  # other processes pick it up within seconds

    jwks = (await auth_service.client.get("/.well-known/jwks.json")).json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
    new_token = (await auth_service.tokens("uni-a", "ada@uni-a.edu"))["access_token"]
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    verifier = auth_service.jwks_verifier()
    assert (await verifier.verify(old_token)).tenant_id == college["id"]
    assert (await verifier.verify(new_token)).tenant_id == college["id"]

    # Once the old key's tokens have all expired it leaves the JWKS, and its tokens fail.
    await auth_service.scalar(
        "UPDATE signing_keys SET retired_at = now() - interval '1 hour' WHERE kid = $1", old_kid
    )
    (await auth_service.service.container.get(JwksCache)).clear()  # else up to 5 s stale
    jwks = (await auth_service.client.get("/.well-known/jwks.json")).json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid]
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await auth_service.jwks_verifier().verify(old_token)
