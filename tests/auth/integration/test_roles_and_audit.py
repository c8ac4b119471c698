"""Per-college permission mappings reach tokens; role changes and their audit trail; the audit
log is append-only and readable only within the college."""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec
import pytest

from lms_platform.messaging import decode_envelope
from lms_platform.testing.dsn import to_asyncpg_dsn
from lms_platform.testing.kafka import consume_all
from tests.auth.integration.conftest import RunningAuthService


def _bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _college_with_admin(
    service: RunningAuthService, slug: str
) -> tuple[dict[str, Any], dict[str, str]]:
    college = await service.create_college(slug)
    await service.create_account(college["id"], f"admin@{slug}.edu", ("college_admin",))
    return college, _bearer(await service.tokens(slug, f"admin@{slug}.edu"))


async def test_a_customised_mapping_is_in_the_next_token(auth_service: RunningAuthService) -> None:
    college, as_admin = await _college_with_admin(auth_service, "uni-a")
    await auth_service.create_account(college["id"], "ta@uni-a.edu", ("teaching_assistant",))
    ta = await auth_service.tokens("uni-a", "ta@uni-a.edu")
    verifier = auth_service.jwks_verifier()
    assert (await verifier.verify(ta["access_token"])).has_permission("submission:grade")

    roles = await auth_service.client.get(f"/colleges/{college['id']}/roles", headers=as_admin)
    assert roles.status_code == 200
    by_role = {r["role"]: r for r in roles.json()}
    wanted = [p for p in by_role["teaching_assistant"]["permissions"] if p != "submission:grade"]
    path = f"/colleges/{college['id']}/roles/teaching_assistant/permissions"
    changed = await auth_service.client.put(path, json={"permissions": wanted}, headers=as_admin)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {
        "role": "teaching_assistant",
        "permissions": wanted,
        "customized": True,
    }

    refreshed = await auth_service.client.post(
        "/auth/refresh", json={"refresh_token": ta["refresh_token"]}
    )
    principal = await verifier.verify(refreshed.json()["access_token"])
    assert sorted(principal.permissions) == wanted

    audit = await auth_service.client.get(
        "/audit-events", params={"action": "role.permissions_changed"}, headers=as_admin
    )
    assert audit.status_code == 200
    (entry,) = audit.json()["items"]
    assert entry["target_id"] == "teaching_assistant"
    assert entry["details"]["removed"] == ["submission:grade"]

    reset = await auth_service.client.delete(path, headers=as_admin)
    assert reset.status_code == 200 and reset.json()["customized"] is False


async def test_bad_mappings_are_problems_and_write_nothing(
    auth_service: RunningAuthService,
) -> None:
    college, as_admin = await _college_with_admin(auth_service, "uni-a")
    base = f"/colleges/{college['id']}/roles"
    cases = [
        (f"{base}/student/permissions", {"permissions": ["course:teleport"]}, 422),
        (f"{base}/instructor/permissions", {"permissions": ["college:create"]}, 422),
        (f"{base}/super_admin/permissions", {"permissions": ["course:read"]}, 422),
        (f"{base}/college_admin/permissions", {"permissions": ["course:read"]}, 422),
        (f"{base}/student/permissions", {"permissions": "course:read"}, 400),
        (f"{base}/student/permissions", {"permissions": [], "extra": 1}, 400),
    ]
    for path, body, status in cases:
        response = await auth_service.client.put(path, json=body, headers=as_admin)
        assert response.status_code == status, (path, body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await auth_service.scalar("SELECT count(*) FROM college_role_permissions") == 0


async def test_role_assignment_reaches_tokens_and_is_audited_once(
    auth_service: RunningAuthService,
) -> None:
    college, as_admin = await _college_with_admin(auth_service, "uni-a")
    student = await auth_service.create_account(college["id"], "s@uni-a.edu")
    path = f"/accounts/{student['id']}/roles"
    response = await auth_service.client.put(path, json={"roles": ["instructor"]}, headers=as_admin)
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["instructor"]
    tokens = await auth_service.tokens("uni-a", "s@uni-a.edu")
    principal = await auth_service.jwks_verifier().verify(tokens["access_token"])
    assert principal.has_role("instructor") and principal.has_permission("course:create")
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'account.roles_assigned' AND target_id = $1",
            student["id"],
        )
        == 1
    )

    _, as_other_admin = await _college_with_admin(auth_service, "uni-b")
    other = await auth_service.client.put(path, json={"roles": ["student"]}, headers=as_other_admin)
    assert other.status_code == 404
    as_student = _bearer(tokens)
    assert (
        await auth_service.client.put(path, json={"roles": ["student"]}, headers=as_student)
    ).status_code == 403


async def test_the_audit_log_is_scoped_filtered_paged_and_append_only(
    auth_service: RunningAuthService,
) -> None:
    uni_a, as_admin_a = await _college_with_admin(auth_service, "uni-a")
    uni_b, _ = await _college_with_admin(auth_service, "uni-b")
    await auth_service.login("uni-a", "admin@uni-a.edu", password="wrong password!")

    own = await auth_service.client.get("/audit-events", headers=as_admin_a)
    assert own.status_code == 200
    body = own.json()
    assert body["total"] >= 3 and {e["college_id"] for e in body["items"]} == {uni_a["id"]}
    failed = await auth_service.client.get(
        "/audit-events",
        params={"action": "login.failed", "outcome": "failure", "limit": 1},
        headers=as_admin_a,
    )
    (entry,) = failed.json()["items"]
    assert entry["details"]["reason"] == "wrong_password" and entry["client_ip"] == "127.0.0.1"
    other = await auth_service.client.get(
        "/audit-events", params={"college_id": uni_b["id"]}, headers=as_admin_a
    )
    assert other.status_code == 403
    everything = await auth_service.client.get("/audit-events", headers=auth_service.root)
    assert {uni_a["id"], uni_b["id"]} <= {e["college_id"] for e in everything.json()["items"]}

    connection = await asyncpg.connect(to_asyncpg_dsn(auth_service.dsn))
    try:
        for statement in ("UPDATE audit_log SET outcome = 'success'", "DELETE FROM audit_log"):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await connection.execute(statement)
    finally:
        await connection.close()


async def test_every_audit_entry_is_published_as_an_audit_event(
    auth_service: RunningAuthService, kafka_bootstrap: str
) -> None:
    college, as_admin = await _college_with_admin(auth_service, "uni-a")
    student = await auth_service.create_account(college["id"], "s@uni-a.edu")
    await auth_service.client.put(
        f"/accounts/{student['id']}/roles", json={"roles": ["instructor"]}, headers=as_admin
    )
    entries = await auth_service.scalar("SELECT count(*) FROM audit_log")
    records = await consume_all(
        kafka_bootstrap,
        f"{auth_service.settings.kafka_topic_prefix}audit",
        expected=entries,
        timeout=20,
        linger=0.5,
    )
    envelopes = [decode_envelope(record.value) for record in records]
    assert len(envelopes) == entries
    assert {e.type for e in envelopes} >= {
        "audit.college.created",
        "audit.account.registered",
        "audit.login.succeeded",
        "audit.account.roles_assigned",
    }
    assigned = next(e for e in envelopes if e.type == "audit.account.roles_assigned")
    assert assigned.tenant == college["id"]
    data = msgspec.json.decode(assigned.data)
    assert data["target_id"] == student["id"] and data["details"]["after"] == ["instructor"]
