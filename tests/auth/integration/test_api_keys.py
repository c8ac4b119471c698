"""API keys over real HTTP, PostgreSQL and the JWKS: created and shown once, exchanged for a
token that the platform verifier accepts with the key's scopes, counted, rotated with an
overlap, revoked, expired; refused across colleges and beyond the creator's rights."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from tests.auth.integration.conftest import RunningAuthService

EXCHANGE = "/auth/api-key/token"


async def _admin(auth: RunningAuthService, slug: str) -> tuple[dict[str, Any], dict[str, str]]:
    college = await auth.create_college(slug)
    email = f"admin@{slug}.edu"
    await auth.create_account(college["id"], email, ("college_admin",))
    tokens = await auth.tokens(slug, email)
    return college, {"Authorization": f"Bearer {tokens['access_token']}"}


async def _create(
    auth: RunningAuthService, college_id: str, headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    response = await auth.client.post(
        f"/colleges/{college_id}/api-keys",
        json={"name": "LTI bridge", "scopes": ["course:read"], **body},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _exchange(auth: RunningAuthService, key: str) -> httpx.Response:
    return await auth.client.post(EXCHANGE, headers={"X-API-Key": key})


async def _audited(auth: RunningAuthService, action: str, key_id: str) -> int:
    return int(
        await auth.scalar(
            "SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2",
            action,
            key_id,
        )
    )


async def _rows(auth: RunningAuthService) -> tuple[int, int]:
    keys = await auth.scalar("SELECT count(*) FROM api_keys")
    audits = await auth.scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'api_key.%'")
    return int(keys), int(audits)


async def test_a_key_is_shown_once_and_exchanged_for_a_token_every_service_verifies(
    auth_service: RunningAuthService,
) -> None:
    college, admin = await _admin(auth_service, "uni-a")
    created = await _create(
        auth_service, college["id"], admin, scopes=["course:read", "audit:read"], name="SIEM"
    )
    key_id, plaintext = created["api_key"]["id"], created["key"]
    assert plaintext.startswith(f"lmsk_{key_id.replace('-', '')}_")
    assert created["api_key"]["status"] == "active"
    assert created["api_key"]["usage_count"] == 0
    assert await _audited(auth_service, "api_key.created", key_id) == 1

    secret = plaintext.rsplit("_", 1)[1]
    stored_hash = await auth_service.scalar("SELECT secret_hash FROM api_keys")
    pepper = auth_service.settings.api_key_pepper.encode()
    assert stored_hash == hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()
    shown = await auth_service.client.get(f"/api-keys/{key_id}", headers=admin)
    listed = await auth_service.client.get(f"/colleges/{college['id']}/api-keys", headers=admin)
    for response in (shown, listed):
        assert response.status_code == 200, response.text
        assert secret not in response.text and stored_hash not in response.text

    exchanged = await _exchange(auth_service, plaintext)
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.headers["cache-control"] == "no-store"
    token = exchanged.json()["access_token"]
    principal = await auth_service.jwks_verifier().verify(token)
    assert principal.user_id == f"apikey:{key_id}"
    assert principal.tenant_id == college["id"]
    assert principal.roles == frozenset()
    assert principal.permissions == {"course:read", "audit:read"}
    assert jwt.decode(token, options={"verify_signature": False})["kind"] == "api_key"

    # The token is a principal here too: it reads its own college's audit log...
    as_key = {"Authorization": f"Bearer {token}"}
    audit = await auth_service.client.get("/audit-events", headers=as_key)
    assert audit.status_code == 200, audit.text
    assert {e["college_id"] for e in audit.json()["items"]} == {college["id"]}
    # ...but a key never manages keys, even through its admin's college.
    minted = await auth_service.client.post(
        f"/colleges/{college['id']}/api-keys",
        json={"name": "successor", "scopes": ["course:read"]},
        headers=as_key,
    )
    assert minted.status_code == 403

    assert (await _exchange(auth_service, plaintext)).status_code == 200
    usage = (await auth_service.client.get(f"/api-keys/{key_id}", headers=admin)).json()
    assert usage["usage_count"] == 2
    last_used = datetime.fromisoformat(usage["last_used_at"])
    assert abs(datetime.now(UTC) - last_used) < timedelta(seconds=30)
    assert await _rows(auth_service) == (1, 1)  # one key, one audit entry: the exchanges add none

    # No body: the default overlap, a day.
    rotated = await auth_service.client.post(f"/api-keys/{key_id}/rotate", headers=admin)
    assert rotated.status_code == 200, rotated.text
    overlap_ends = datetime.fromisoformat(rotated.json()["api_key"]["previous_secret_valid_until"])
    assert abs(overlap_ends - datetime.now(UTC) - timedelta(days=1)) < timedelta(seconds=30)
    assert (await _exchange(auth_service, plaintext)).status_code == 200


async def test_rotation_overlap_then_revocation(auth_service: RunningAuthService) -> None:
    college, admin = await _admin(auth_service, "uni-a")
    created = await _create(auth_service, college["id"], admin)
    key_id, old = created["api_key"]["id"], created["key"]

    rotated = await auth_service.client.post(
        f"/api-keys/{key_id}/rotate", json={"overlap_seconds": 2}, headers=admin
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["key"]
    assert new != old and new.startswith(f"lmsk_{key_id.replace('-', '')}_")
    overlap_ends = datetime.fromisoformat(rotated.json()["api_key"]["previous_secret_valid_until"])
    assert (await _exchange(auth_service, old)).status_code == 200
    assert (await _exchange(auth_service, new)).status_code == 200

    await asyncio.sleep(max(0.0, (overlap_ends - datetime.now(UTC)).total_seconds()) + 0.2)
    stale = await _exchange(auth_service, old)
    assert stale.status_code == 401 and stale.json()["detail"] == "invalid credentials"
    assert (await _exchange(auth_service, new)).status_code == 200
    assert await _audited(auth_service, "api_key.rotated", key_id) == 1

    for _ in range(2):  # revoking twice changes and audits nothing more
        revoked = await auth_service.client.post(f"/api-keys/{key_id}/revoke", headers=admin)
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert (await _exchange(auth_service, new)).status_code == 401
    assert await _audited(auth_service, "api_key.revoked", key_id) == 1
    again = await auth_service.client.post(f"/api-keys/{key_id}/rotate", headers=admin)
    assert again.status_code == 409
    assert await auth_service.scalar("SELECT usage_count FROM api_keys") == 3


async def test_expired_unknown_and_wrong_keys_get_the_same_401(
    auth_service: RunningAuthService,
) -> None:
    college, admin = await _admin(auth_service, "uni-a")
    soon = datetime.now(UTC) + timedelta(seconds=2)
    created = await _create(auth_service, college["id"], admin, expires_at=soon.isoformat())
    key_id, plaintext = created["api_key"]["id"], created["key"]
    assert (await _exchange(auth_service, plaintext)).status_code == 200

    prefix = plaintext.rsplit("_", 1)[0]
    wrong_secret = await _exchange(auth_service, prefix + "_" + "0" * 64)
    unknown_id = await _exchange(auth_service, "lmsk_" + "f" * 32 + "_" + plaintext.rsplit("_")[-1])
    garbage = await _exchange(auth_service, "not-a-key")
    missing = await auth_service.client.post(EXCHANGE)
    for refused in (wrong_secret, unknown_id, garbage, missing):
        assert refused.status_code == 401
        assert refused.json()["detail"] == "invalid credentials"

    await asyncio.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.2)
    assert (await _exchange(auth_service, plaintext)).status_code == 401
    shown = (await auth_service.client.get(f"/api-keys/{key_id}", headers=admin)).json()
    assert (shown["status"], shown["usage_count"]) == ("expired", 1)
    expired = await auth_service.client.get(
        f"/colleges/{college['id']}/api-keys", params={"status": "expired"}, headers=admin
    )
    assert [k["id"] for k in expired.json()["items"]] == [key_id]


async def test_escalation_and_bad_input_are_refused_and_write_nothing(
    auth_service: RunningAuthService,
) -> None:
    college, admin = await _admin(auth_service, "uni-a")
    created = await _create(auth_service, college["id"], admin)
    before = await _rows(auth_service)
    url = f"/colleges/{college['id']}/api-keys"
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    bad_bodies: list[dict[str, Any]] = [
        {"name": "x", "scopes": ["college:create"]},  # platform-only: beyond a college admin
        {"name": "x", "scopes": ["signing_key:rotate"]},
        {"name": "x", "scopes": ["api_key:manage"]},  # a key that mints keys
        {"name": "x", "scopes": ["course:fly"]},
        {"name": "x", "scopes": []},
        {"name": "", "scopes": ["course:read"]},
        {"name": "   ", "scopes": ["course:read"]},
        {"name": "x", "scopes": ["course:read"], "expires_at": past},
        {"name": "x", "scopes": ["course:read"], "secret": "mine"},
        {"scopes": ["course:read"]},
    ]
    for body in bad_bodies:
        response = await auth_service.client.post(url, json=body, headers=admin)
        assert response.status_code in (400, 422), (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    rotate = f"/api-keys/{created['api_key']['id']}/rotate"
    for body in ({"overlap_seconds": -1}, {"overlap_seconds": 7 * 86400 + 1}, {"x": 1}):
        response = await auth_service.client.post(rotate, json=body, headers=admin)
        assert response.status_code in (400, 422), (body, response.text)
    assert await _rows(auth_service) == before
    assert (await _exchange(auth_service, created["key"])).status_code == 200  # unchanged


async def test_other_colleges_and_other_roles_are_kept_out(
    auth_service: RunningAuthService,
) -> None:
    college, admin = await _admin(auth_service, "uni-a")
    _, other_admin = await _admin(auth_service, "uni-b")
    created = await _create(auth_service, college["id"], admin)
    key_id = created["api_key"]["id"]
    await auth_service.create_account(college["id"], "ada@uni-a.edu", ("instructor",))
    instructor_token = (await auth_service.tokens("uni-a", "ada@uni-a.edu"))["access_token"]
    instructor = {"Authorization": f"Bearer {instructor_token}"}
    before = await _rows(auth_service)

    client = auth_service.client
    requests = [
        ("GET", f"/api-keys/{key_id}", None),
        ("POST", f"/api-keys/{key_id}/rotate", {}),
        ("POST", f"/api-keys/{key_id}/revoke", None),
        ("GET", f"/colleges/{college['id']}/api-keys", None),
        ("POST", f"/colleges/{college['id']}/api-keys", {"name": "x", "scopes": ["course:read"]}),
    ]
    for method, url, body in requests:
        foreign = await client.request(method, url, json=body, headers=other_admin)
        assert foreign.status_code == 404, (method, url, foreign.text)
        assert (await client.request(method, url, json=body, headers=instructor)).status_code == 403
        assert (await client.request(method, url, json=body)).status_code == 401
    assert await _rows(auth_service) == before
    root_view = await client.get(f"/api-keys/{key_id}", headers=auth_service.root)
    assert root_view.status_code == 200  # a super admin sees every college
    assert (await _exchange(auth_service, created["key"])).status_code == 200
