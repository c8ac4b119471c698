"""Start-up: a signing key exists, the JWKS is public, the super admin logs in."""

from __future__ import annotations

from tests.auth.integration.conftest import RunningAuthService


async def test_jwks_is_public_and_tokens_verify_against_it(
    auth_service: RunningAuthService,
) -> None:
    response = await auth_service.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    (key,) = response.json()["keys"]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key
    token = auth_service.root["Authorization"].removeprefix("Bearer ")
    principal = await auth_service.jwks_verifier().verify(token)
    assert principal.is_super_admin
    assert principal.has_permission("college:create")
    stored = await auth_service.scalar("SELECT private_key_pem FROM signing_keys")
    assert bytes(stored).startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")


async def test_jwks_reads_the_key_table_once_per_ttl(auth_service: RunningAuthService) -> None:
    first = (await auth_service.client.get("/.well-known/jwks.json")).json()
    # A change behind the service's back shows only after the cache's TTL (5 s) ...
    await auth_service.scalar(
        """UPDATE signing_keys SET public_jwk = public_jwk || '{"x-note": "changed"}'::jsonb"""
    )
    assert (await auth_service.client.get("/.well-known/jwks.json")).json() == first
    # ... or at once after a rotation through the API, which clears it.
    rotated = await auth_service.client.post("/signing-keys/rotate", headers=auth_service.root)
    assert rotated.status_code == 201, rotated.text
    keys = (await auth_service.client.get("/.well-known/jwks.json")).json()["keys"]
    assert [k["kid"] for k in keys] == [rotated.json()["kid"], first["keys"][0]["kid"]]
    assert keys[1]["x-note"] == "changed"
