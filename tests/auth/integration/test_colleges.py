"""College settings over HTTP: read, change (audited with the changed fields), list, refuse."""

from __future__ import annotations

from tests.auth.integration.conftest import RunningAuthService


async def test_settings_round_trip_and_are_audited_once(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college("uni-a")
    await auth_service.create_account(college["id"], "admin@uni-a.edu", ("college_admin",))
    admin = await auth_service.tokens("uni-a", "admin@uni-a.edu")
    headers = {"Authorization": f"Bearer {admin['access_token']}"}
    path = f"/colleges/{college['id']}"

    patched = await auth_service.client.patch(
        path + "/settings",
        json={
            "min_password_length": 14,
            "required_character_classes": ["digit", "upper"],
            "rejected_passwords": ["Winter2025!"],
            "password_max_age_days": 180,
            "allow_self_signup": True,
        },
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    read = await auth_service.client.get(path, headers=headers)
    assert read.json() == patched.json()
    assert read.json()["allow_self_signup"] is True
    assert read.json()["password_policy"] == {
        "min_length": 14,
        "required_character_classes": ["digit", "upper"],
        "rejected_passwords": ["winter2025!"],
        "max_age_days": 180,
    }
    details = await auth_service.scalar(
        "SELECT details FROM audit_log WHERE action = 'college.settings_changed'"
    )
    assert '"max_age_days": 180' in details and '"count": 1' in details

    # The policy applies at once: a new account's password must now have a digit.
    weak = await auth_service.client.post(
        path + "/accounts",
        json={"email": "x@uni-a.edu", "password": "Only letters here"},
        headers=headers,
    )
    assert weak.status_code == 422

    unchanged = await auth_service.client.patch(
        path + "/settings", json={"password_max_age_days": 180}, headers=headers
    )
    assert unchanged.status_code == 200
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'college.settings_changed'"
        )
        == 1
    )


async def test_bad_settings_are_refused_and_write_nothing(auth_service: RunningAuthService) -> None:
    college = await auth_service.create_college("uni-a")
    path = f"/colleges/{college['id']}/settings"
    for body, status in [
        ({"min_password_length": 4}, 400),
        ({"password_max_age_days": 0}, 400),
        ({"allow_self_signup": "yes"}, 400),
        ({"unknown": 1}, 400),
    ]:
        response = await auth_service.client.patch(path, json=body, headers=auth_service.root)
        assert response.status_code == status, (body, response.text)
    assert (
        await auth_service.scalar(
            "SELECT count(*) FROM audit_log WHERE action = 'college.settings_changed'"
        )
        == 0
    )


async def test_super_admins_list_colleges_in_pages(auth_service: RunningAuthService) -> None:
    for slug in ("uni-c", "uni-a", "uni-b"):
        await auth_service.create_college(slug)
    page = await auth_service.client.get(
        "/colleges", params={"limit": 2, "offset": 1}, headers=auth_service.root
    )
    assert page.status_code == 200, page.text
    body = page.json()
    # "platform" (the bootstrap college) sorts first.
    assert [c["slug"] for c in body["items"]] == ["uni-a", "uni-b"]
    assert (body["total"], body["has_more"]) == (4, True)


async def test_every_list_refuses_an_unbounded_offset_with_a_400(
    auth_service: RunningAuthService,
) -> None:
    college = (await auth_service.create_college("uni-a"))["id"]
    lists = [
        "/colleges",
        f"/colleges/{college}/accounts",
        f"/colleges/{college}/api-keys",
        "/audit-events",
    ]
    for path in lists:
        fine = await auth_service.client.get(
            path, params={"offset": 10_000}, headers=auth_service.root
        )
        assert fine.status_code == 200, (path, fine.text)
        for offset in ("10001", "3922646421714803361613256740306944"):
            response = await auth_service.client.get(
                path, params={"limit": 41, "offset": offset}, headers=auth_service.root
            )
            assert response.status_code == 400, (path, offset, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
