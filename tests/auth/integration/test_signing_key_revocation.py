"""A leaked signing key is revoked: it leaves the JWKS at once, tokens it signed stop verifying
in other services, a new key signs the next logins, and the action is audited once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import jwt

from lms_platform.security import JWKSKeySource, TokenVerifier
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


async def test_revocation_reaches_tokens_already_cached_within_the_bound(
    auth_service: RunningAuthService,
) -> None:
    """Another service (JWKS over HTTP, refreshed every second here) and auth itself (its key
    store, re-read every 5 s) had verified and cached the token; both refuse it from their
    refresh interval after the revocation on, without a restart."""
    token = (await auth_service.tokens("platform", ROOT_EMAIL))["access_token"]
    leaked = jwt.get_unverified_header(token)["kid"]
    keys = JWKSKeySource(auth_service.base_url + "/.well-known/jwks.json", refresh_seconds=1.0)
    verifier = TokenVerifier(keys, issuer="lms-auth", audience="lms")
    principal = await verifier.verify(token)
    with_token = {"Authorization": f"Bearer {token}"}
    assert (await auth_service.client.get("/colleges", headers=with_token)).status_code == 200

    revoked_at = time.monotonic()  # taken before the call: the bounds are checked strictly
    revoked = await auth_service.client.post(f"/signing-keys/{leaked}/revoke", headers=with_token)
    assert revoked.status_code == 200, revoked.text

    async def refused_within(bound: float, accepts: Callable[[], Awaitable[bool]]) -> None:
        """Every check that started ``bound`` seconds after the revocation refused the token."""
        while True:
            started = time.monotonic() - revoked_at
            if not await accepts():
                break
            assert started < bound, f"accepted {started:.2f} s after the revocation"
            await asyncio.sleep(0.05)
        assert started < bound + 0.5  # refused at the first check past the bound, or before
        assert not await accepts()  # and from then on

    async def verifier_accepts() -> bool:
        try:
            return await verifier.verify(token) is principal
        except InvalidToken:
            return False

    async def auth_accepts() -> bool:
        status = (await auth_service.client.get("/colleges", headers=with_token)).status_code
        assert status in (200, 401)
        return status == 200

    await refused_within(1.0, verifier_accepts)  # JWKSKeySource(refresh_seconds=1.0)
    await refused_within(5.0, auth_accepts)  # StoreKeySource(cache_seconds=5.0)
    await keys.aclose()
