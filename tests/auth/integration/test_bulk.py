"""Bulk update and delete over HTTP: per-item report, limits, colleges, roles, one audit entry."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from lms.auth.config import AuthSettings
from tests.auth.integration.conftest import RunningAuthService

MAX_ITEMS = 3


@pytest.fixture
def auth_settings(auth_settings: AuthSettings) -> AuthSettings:
    return msgspec.structs.replace(auth_settings, bulk_max_items=MAX_ITEMS)


async def _audit_count(service: RunningAuthService, action: str) -> int:
    return int(await service.scalar("SELECT count(*) FROM audit_log WHERE action = $1", action))


async def _admin(service: RunningAuthService, college_id: str, slug: str) -> dict[str, str]:
    await service.create_account(college_id, f"admin@{slug}.edu", ("college_admin",))
    tokens = await service.tokens(slug, f"admin@{slug}.edu")
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def test_bulk_update_reports_per_item_and_audits_once(
    auth_service: RunningAuthService,
) -> None:
    uni_a = await auth_service.create_college("uni-a")
    uni_b = await auth_service.create_college("uni-b")
    as_admin = await _admin(auth_service, uni_a["id"], "uni-a")
    ada = await auth_service.create_account(uni_a["id"], "ada@uni-a.edu")
    refresh = (await auth_service.tokens("uni-a", "ada@uni-a.edu"))["refresh_token"]
    b_student = await auth_service.create_account(uni_b["id"], "stu@uni-b.edu")
    missing = str(uuid.uuid4())

    response = await auth_service.client.post(
        f"/colleges/{uni_a['id']}/accounts/bulk-update",
        json={
            "account_ids": [ada["id"], b_student["id"], missing],
            "set": {"roles": ["instructor"], "active": False},
        },
        headers=as_admin,
    )

    assert response.status_code == 200, response.text
    report = response.json()
    assert [(i["id"], i["outcome"]) for i in report["items"]] == [
        (ada["id"], "updated"),
        (b_student["id"], "not_found"),  # another college's account is not found here
        (missing, "not_found"),
    ]
    assert report["counts"]["updated"] == 1
    assert await auth_service.scalar(
        "SELECT roles FROM accounts WHERE id = $1", uuid.UUID(ada["id"])
    ) == ["instructor"]
    assert (await auth_service.login("uni-a", "ada@uni-a.edu")).status_code == 403
    reused = await auth_service.client.post("/auth/refresh", json={"refresh_token": refresh})
    assert reused.status_code == 401  # deactivation revoked the refresh tokens
    assert await auth_service.scalar(
        "SELECT roles FROM accounts WHERE id = $1", uuid.UUID(b_student["id"])
    ) == ["student"]
    assert await _audit_count(auth_service, "bulk.updated") == 1
    details = await auth_service.scalar(
        "SELECT details::text FROM audit_log WHERE action = 'bulk.updated'"
    )
    assert ada["id"] in details and missing in details


async def test_bulk_limits_roles_and_colleges_write_nothing(
    auth_service: RunningAuthService,
) -> None:
    uni_a = await auth_service.create_college("uni-a")
    uni_b = await auth_service.create_college("uni-b")
    as_admin = await _admin(auth_service, uni_a["id"], "uni-a")
    ada = await auth_service.create_account(uni_a["id"], "ada@uni-a.edu")
    student = await auth_service.tokens("uni-a", "ada@uni-a.edu")
    as_student = {"Authorization": f"Bearer {student['access_token']}"}
    update_a = f"/colleges/{uni_a['id']}/accounts/bulk-update"
    delete_a = f"/colleges/{uni_a['id']}/accounts/bulk-delete"
    too_many = [str(uuid.uuid4()) for _ in range(MAX_ITEMS)] + [ada["id"]]
    before = await auth_service.scalar("SELECT count(*) FROM audit_log")

    over = await auth_service.client.post(
        update_a, json={"account_ids": too_many, "set": {"active": False}}, headers=as_admin
    )
    assert over.status_code == 422, over.text
    assert over.json()["code"] == "too_many_items"
    assert over.json()["extra"]["max_items"] == MAX_ITEMS
    over_delete = await auth_service.client.post(
        delete_a, json={"account_ids": too_many}, headers=as_admin
    )
    assert over_delete.status_code == 422
    for path, body, headers, status in [
        (update_a, {"account_ids": [ada["id"]], "set": {"active": False}}, {}, 401),
        (update_a, {"account_ids": [ada["id"]], "set": {"active": False}}, as_student, 403),
        (delete_a, {"account_ids": [ada["id"]]}, as_student, 403),
        (update_a, {"account_ids": [ada["id"]], "set": {"roles": ["super_admin"]}}, as_admin, 403),
        (update_a, {"account_ids": [ada["id"]], "set": {}}, as_admin, 422),
        (update_a, {"account_ids": [ada["id"]], "set": {"roles": ["wizard"]}}, as_admin, 400),
        (
            f"/colleges/{uni_b['id']}/accounts/bulk-delete",
            {"account_ids": [ada["id"]]},
            as_admin,
            404,
        ),
    ]:
        response = await auth_service.client.post(path, json=body, headers=headers)
        assert response.status_code == status, (path, body, response.text)
    assert await auth_service.scalar("SELECT count(*) FROM audit_log") == before
    assert (
        await auth_service.scalar("SELECT status FROM accounts WHERE id = $1", uuid.UUID(ada["id"]))
        == "active"
    )


async def test_bulk_delete_removes_accounts_and_their_tokens(
    auth_service: RunningAuthService,
) -> None:
    college = await auth_service.create_college("uni-a")
    as_admin = await _admin(auth_service, college["id"], "uni-a")
    admin_id = await auth_service.scalar("SELECT id FROM accounts WHERE email = 'admin@uni-a.edu'")
    ada = await auth_service.create_account(college["id"], "ada@uni-a.edu")
    bob = await auth_service.create_account(college["id"], "bob@uni-a.edu")
    await auth_service.tokens("uni-a", "ada@uni-a.edu")

    response = await auth_service.client.post(
        f"/colleges/{college['id']}/accounts/bulk-delete",
        json={"account_ids": [ada["id"], bob["id"], str(admin_id)]},
        headers=as_admin,
    )

    assert response.status_code == 200, response.text
    outcomes = [(i["id"], i["outcome"]) for i in response.json()["items"]]
    assert outcomes == [(ada["id"], "deleted"), (bob["id"], "deleted"), (str(admin_id), "refused")]
    ids = [uuid.UUID(ada["id"]), uuid.UUID(bob["id"])]
    assert await auth_service.scalar("SELECT count(*) FROM accounts WHERE id = ANY($1)", ids) == 0
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM refresh_tokens WHERE account_id = ANY($1)", ids
        )
        == 0
    )
    assert await _audit_count(auth_service, "bulk.deleted") == 1
    # The audit trail keeps the ids of what is gone.
    assert (
        await auth_service.scalar("SELECT count(*) FROM audit_log WHERE target_id = $1", ada["id"])
        >= 1
    )
