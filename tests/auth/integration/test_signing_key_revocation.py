"""A leaked signing key is revoked: it leaves the JWKS at once, tokens it signed stop verifying
in other services, a new key signs the next logins, and the action is audited once."""

from __future__ import annotations

import asyncio

from lms_platform.security.verifier import InvalidToken
from tests.auth.integration.conftest import ROOT_EMAIL, RunningAuthService


async def test_revoking_the_signing_key(auth_service: RunningAuthService) -> None:
    before = await auth_service.tokens("platform", ROOT_EMAIL)
    jwks = (await auth_service.client.get("/.well-known/jwks.json")).json()
    (leaked,) = (key["kid"] for key in jwks["keys"])
    verifier = auth_service.jwks_verifier()
    assert (await verifier.verify(before["access_token"])).is_super_admin

    response = await auth_service.client.post(
        f"/signing-keys/{leaked}/revoke", headers=auth_service.root
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kid"] == leaked and body["revoked_at"] is not None
    replacement = body["replaced_by"]["kid"]

    published = (await auth_service.client.get("/.well-known/jwks.json")).json()["keys"]
    assert [key["kid"] for key in published] == [replacement]
    fresh_verifier = auth_service.jwks_verifier()  # another service after its JWKS refresh
    try:
        await fresh_verifier.verify(before["access_token"])
        raise AssertionError("a token signed by a revoked key still verified")
    except InvalidToken:
        pass
    after = await auth_service.tokens("platform", ROOT_EMAIL)
    assert (await fresh_verifier.verify(after["access_token"])).is_super_admin

    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'signing_key.revoked' AND target_id = $1",
            leaked,
        )
        == 1
    )
    # This service reads an unknown kid from its key store at most once a second.
    as_root = {"Authorization": f"Bearer {after['access_token']}"}
    for _ in range(30):
        unknown = await auth_service.client.post(
            "/signing-keys/no-such-key/revoke", headers=as_root
        )
        if unknown.status_code != 401:
            break
        await asyncio.sleep(0.1)
    assert unknown.status_code == 404
