"""Routes by caller: no token, wrong role, another college; bad bodies write nothing."""

from __future__ import annotations

import uuid

from lms_platform.testing.outbox import OUTBOX_INSERTS_SQL
from tests.auth.integration.conftest import PASSWORD, RunningAuthService


async def _counts(service: RunningAuthService) -> tuple[int, int, int]:
    return (
        await service.scalar("SELECT count(*) FROM colleges"),
        await service.scalar("SELECT count(*) FROM accounts"),
        await service.scalar(OUTBOX_INSERTS_SQL),
    )


async def test_admin_routes_need_a_token(auth_service: RunningAuthService) -> None:
    college_id, account_id = uuid.uuid4(), uuid.uuid4()
    for path, body in [
        ("/colleges", {"slug": "x", "name": "X"}),
        (f"/colleges/{college_id}/accounts", {"email": "a@b.edu", "password": PASSWORD}),
        (f"/accounts/{account_id}/deactivate", None),
        (f"/accounts/{account_id}/reactivate", None),
        ("/signing-keys/rotate", None),
    ]:
        response = await auth_service.client.post(path, json=body)
        assert response.status_code == 401, path
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_roles_and_colleges_are_enforced(auth_service: RunningAuthService) -> None:
    uni_a = await auth_service.create_college("uni-a")
    uni_b = await auth_service.create_college("uni-b")
    await auth_service.create_account(uni_a["id"], "admin@uni-a.edu", ("college_admin",))
    student = await auth_service.create_account(uni_a["id"], "stu@uni-a.edu")
    b_student = await auth_service.create_account(uni_b["id"], "stu@uni-b.edu")
    admin_a = await auth_service.tokens("uni-a", "admin@uni-a.edu")
    student_a = await auth_service.tokens("uni-a", "stu@uni-a.edu")
    as_admin = {"Authorization": f"Bearer {admin_a['access_token']}"}
    as_student = {"Authorization": f"Bearer {student_a['access_token']}"}
    before = await _counts(auth_service)
    assert before[2] > 0  # the accounts above staged their events: the measure moves

    new_college = {"slug": "uni-c", "name": "C"}
    assert (
        await auth_service.client.post("/colleges", json=new_college, headers=as_admin)
    ).status_code == 403
    new_account = {"email": "new@uni.edu", "password": PASSWORD}
    create_in_b = f"/colleges/{uni_b['id']}/accounts"
    assert (
        await auth_service.client.post(create_in_b, json=new_account, headers=as_admin)
    ).status_code == 404
    create_in_a = f"/colleges/{uni_a['id']}/accounts"
    assert (
        await auth_service.client.post(create_in_a, json=new_account, headers=as_student)
    ).status_code == 403
    grant_root = {**new_account, "roles": ["super_admin"]}
    assert (
        await auth_service.client.post(create_in_a, json=grant_root, headers=as_admin)
    ).status_code == 403
    deactivate_b = f"/accounts/{b_student['id']}/deactivate"
    assert (await auth_service.client.post(deactivate_b, headers=as_admin)).status_code == 404
    deactivate_a = f"/accounts/{student['id']}/deactivate"
    assert (await auth_service.client.post(deactivate_a, headers=as_student)).status_code == 403
    assert await _counts(auth_service) == before

    created = await auth_service.client.post(create_in_a, json=new_account, headers=as_admin)
    assert created.status_code == 201, created.text
    assert (await auth_service.client.post(deactivate_a, headers=as_admin)).status_code == 200


async def test_bad_bodies_are_refused_and_write_nothing(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college()
    before = await _counts(auth_service)
    path = f"/colleges/{college['id']}/accounts"
    # 400: the body does not fit the schema; 422: it fits, but breaks a domain rule.
    for body, status in [
        ({"email": "a@b.edu", "password": PASSWORD, "is_admin": True}, 400),  # unknown field
        ({"email": "a@b.edu", "password": PASSWORD, "roles": ["wizard"]}, 400),
        ({"email": "a@b.edu", "password": PASSWORD, "roles": []}, 400),
        ({"email": "a@b.edu", "password": "short"}, 422),  # the college's password policy
        ({"email": "not-an-email", "password": PASSWORD}, 422),
    ]:
        response = await auth_service.client.post(path, json=body, headers=auth_service.root)
        assert response.status_code == status, (body, response.text)
    login = await auth_service.client.post(
        "/auth/login", json={"college": "uni-a", "email": "a@b.edu", "password": "x", "otp": 1}
    )
    assert login.status_code == 400
    assert await _counts(auth_service) == before
