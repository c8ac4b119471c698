"""Defect 4 (issue 8): a college admin could deactivate or reactivate a super admin.

Every use case that acts on another account refuses a college admin whose target is a super
admin of their own college: deactivate, reactivate, resend an invitation (defects found by the
sweep), and update, delete, assign roles, bulk update and bulk delete (already refused; kept
here so the whole surface is one table). Nothing changes, and no event or audit entry is
written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from lms_platform.testing.outbox import OUTBOX_INSERTS_SQL
from tests.auth.integration.conftest import RunningAuthService


@dataclass
class Setup:
    college: dict[str, Any]
    admin: dict[str, str]  # the college admin's headers
    super_admin: dict[str, Any]  # a super admin account inside the college
    invited_super_admin: dict[str, Any]  # invited, not accepted yet


async def _setup(service: RunningAuthService) -> Setup:
    college = await service.create_college("uni-a")
    await service.create_account(college["id"], "admin@uni-a.edu", ("college_admin",))
    admin = await service.tokens("uni-a", "admin@uni-a.edu")
    super_admin = await service.create_account(college["id"], "ops@uni-a.edu", ("super_admin",))
    invited = await service.client.post(
        f"/colleges/{college['id']}/invitations",
        json={"email": "ops2@uni-a.edu", "roles": ["super_admin"]},
        headers=service.root,
    )
    assert invited.status_code == 201, invited.text
    return Setup(
        college,
        {"Authorization": f"Bearer {admin['access_token']}"},
        super_admin,
        invited.json()["account"],
    )


async def _state(service: RunningAuthService) -> tuple[Any, ...]:
    return (
        await service.scalar(
            "SELECT string_agg(email || ':' || status || ':' || array_to_string(roles, ',') "
            "|| ':' || coalesce(display_name, ''), ';' ORDER BY email) FROM accounts"
        ),
        await service.scalar("SELECT count(*) FROM credential_tokens WHERE used_at IS NULL"),
        await service.scalar(OUTBOX_INSERTS_SQL),
        await service.scalar("SELECT count(*) FROM audit_log"),
    )


ACTIONS: dict[str, tuple[str, str, Any]] = {
    # name: (method, path with {id} / {college}, body)
    "deactivate": ("POST", "/accounts/{id}/deactivate", None),
    "reactivate": ("POST", "/accounts/{id}/reactivate", None),
    "resend_invitation": ("POST", "/accounts/{invited}/invitation", None),
    "update": ("PATCH", "/accounts/{id}", {"display_name": "Mallory"}),
    "delete": ("DELETE", "/accounts/{id}", None),
    "assign_roles": ("PUT", "/accounts/{id}/roles", {"roles": ["student"]}),
}
BULK: dict[str, tuple[str, dict[str, Any]]] = {
    "bulk_deactivate": ("bulk-update", {"set": {"active": False}}),
    "bulk_reactivate": ("bulk-update", {"set": {"active": True}}),
    "bulk_roles": ("bulk-update", {"set": {"roles": ["student"]}}),
    "bulk_delete": ("bulk-delete", {}),
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
async def test_a_college_admin_cannot_act_on_a_super_admin(
    auth_service: RunningAuthService, action: str
) -> None:
    setup = await _setup(auth_service)
    if action == "reactivate":  # a super admin deactivated by a super admin stays so
        done = await auth_service.client.post(
            f"/accounts/{setup.super_admin['id']}/deactivate", headers=auth_service.root
        )
        assert done.status_code == 200, done.text
    method, template, body = ACTIONS[action]
    path = template.format(id=setup.super_admin["id"], invited=setup.invited_super_admin["id"])
    before = await _state(auth_service)
    answer = await auth_service.client.request(method, path, json=body, headers=setup.admin)
    assert answer.status_code == 403, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    # nothing changed, nothing sent or audited
    assert await _state(auth_service) == before


@pytest.mark.parametrize("action", sorted(BULK))
async def test_a_college_admins_bulk_change_refuses_a_super_admin(
    auth_service: RunningAuthService, action: str
) -> None:
    setup = await _setup(auth_service)
    if action == "bulk_reactivate":
        done = await auth_service.client.post(
            f"/accounts/{setup.super_admin['id']}/deactivate", headers=auth_service.root
        )
        assert done.status_code == 200, done.text
    operation, body = BULK[action]
    accounts, tokens, outbox, audit = await _state(auth_service)
    answer = await auth_service.client.post(
        f"/colleges/{setup.college['id']}/accounts/{operation}",
        json={"account_ids": [setup.super_admin["id"]], **body},
        headers=setup.admin,
    )
    assert answer.status_code == 200, answer.text
    (item,) = answer.json()["items"]
    assert item["outcome"] == "refused", item
    # nothing changed; only the report is audited, with its audit.* event
    assert await _state(auth_service) == (accounts, tokens, outbox + 1, audit + 1)
