"""Account administration over HTTP: list with filters, read, change, delete."""

from __future__ import annotations

import uuid

from tests.auth.integration.conftest import RunningAuthService


async def _audit_count(service: RunningAuthService, action: str) -> int:
    return int(await service.scalar("SELECT count(*) FROM audit_log WHERE action = $1", action))


async def test_list_read_change_delete(auth_service: RunningAuthService) -> None:
    uni_a = await auth_service.create_college("uni-a")
    uni_b = await auth_service.create_college("uni-b")
    await auth_service.create_account(uni_a["id"], "admin@uni-a.edu", ("college_admin",))
    ada = await auth_service.create_account(uni_a["id"], "ada@uni-a.edu", ("instructor",))
    bob = await auth_service.create_account(uni_a["id"], "bob@uni-a.edu")
    await auth_service.create_account(uni_b["id"], "cy@uni-b.edu")
    admin = await auth_service.tokens("uni-a", "admin@uni-a.edu")
    student = await auth_service.tokens("uni-a", "bob@uni-a.edu")
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    as_bob = {"Authorization": f"Bearer {student['access_token']}"}
    path = f"/colleges/{uni_a['id']}/accounts"

    listed = await auth_service.client.get(path, params={"limit": 2}, headers=as_admin)
    assert listed.status_code == 200, listed.text
    assert [a["email"] for a in listed.json()["items"]] == ["ada@uni-a.edu", "admin@uni-a.edu"]
    assert (listed.json()["total"], listed.json()["has_more"]) == (3, True)
    filtered = await auth_service.client.get(
        path, params={"q": "AD", "role": "instructor", "sort": "-created_at"}, headers=as_admin
    )
    assert [a["email"] for a in filtered.json()["items"]] == ["ada@uni-a.edu"]
    assert (await auth_service.client.get(path, headers=as_bob)).status_code == 403
    other = f"/colleges/{uni_b['id']}/accounts"
    assert (await auth_service.client.get(other, headers=as_admin)).status_code == 404
    bad_sort = await auth_service.client.get(path, params={"sort": "password"}, headers=as_admin)
    assert bad_sort.status_code == 400

    own = await auth_service.client.get(f"/accounts/{bob['id']}", headers=as_bob)
    assert own.status_code == 200 and own.json()["email"] == "bob@uni-a.edu"
    assert (
        await auth_service.client.get(f"/accounts/{ada['id']}", headers=as_bob)
    ).status_code == 403

    changed = await auth_service.client.patch(
        f"/accounts/{ada['id']}", json={"email": "Ada.L@uni-a.edu"}, headers=as_admin
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["email"], changed.json()["display_name"]) == ("ada.l@uni-a.edu", "Ada")
    taken = await auth_service.client.patch(
        f"/accounts/{ada['id']}", json={"email": "bob@uni-a.edu"}, headers=as_admin
    )
    assert taken.status_code == 409
    unknown_field = await auth_service.client.patch(
        f"/accounts/{ada['id']}", json={"roles": ["super_admin"]}, headers=as_admin
    )
    assert unknown_field.status_code == 400
    assert await _audit_count(auth_service, "account.updated") == 1

    cy_id = await auth_service.scalar("SELECT id FROM accounts WHERE email = 'cy@uni-b.edu'")
    cross = await auth_service.client.delete(f"/accounts/{cy_id}", headers=as_admin)
    assert cross.status_code == 404
    admin_id = await auth_service.scalar("SELECT id FROM accounts WHERE email = 'admin@uni-a.edu'")
    myself = await auth_service.client.delete(f"/accounts/{admin_id}", headers=as_admin)
    assert myself.status_code == 409
    assert (
        await auth_service.client.delete(f"/accounts/{ada['id']}", headers=as_bob)
    ).status_code == 403
    deleted = await auth_service.client.delete(f"/accounts/{bob['id']}", headers=as_admin)
    assert deleted.status_code == 204
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM accounts WHERE id = $1", uuid.UUID(bob["id"])
        )
        == 0
    )
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM refresh_tokens WHERE account_id = $1", uuid.UUID(bob["id"])
        )
        == 0
    )
    assert await _audit_count(auth_service, "account.deleted") == 1
    gone = await auth_service.client.get(f"/accounts/{bob['id']}", headers=as_admin)
    assert gone.status_code == 404
