"""Every route of the auth service, by caller: no token, a student, an instructor, the college's
admin, another college's admin and a super admin.

The table below must list every route the app serves (the first test fails on a new route
without an entry). For each protected route: no token is 401; each caller outside the allowed
set is refused (403, or 404 where the thing lives in another college); the least privileged
allowed caller succeeds, and its call leaves exactly the one audit entry the table names (none
for reads and no-op changes). Each route runs against a fresh world, so one route's writes
cannot change another's answer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from lms.auth.config import AuthSettings
from lms.auth.main import SERVICE
from lms_platform.runtime import ServiceRuntime
from lms_platform.testing.dsn import to_asyncpg_dsn
from tests.auth.integration.conftest import PASSWORD, ROOT_EMAIL, RunningAuthService

CALLERS = ("student", "instructor", "admin", "other_admin", "root")  # least privileged first
ANY = frozenset(CALLERS)
MEMBERS = frozenset({"student", "instructor", "admin", "root"})  # of college A
ADMINS = frozenset({"admin", "root"})
ROOT = frozenset({"root"})
PLATFORM_PATHS = ("/health", "/ready", "/metrics", "/schema")
MISSING_TOKEN = "A bearer token is required."


@dataclass
class World:
    college_a: str
    college_b: str
    target: str  # a student of college A that routes may change or delete
    api_key: str
    import_job: str
    signing_key: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        return {
            "college_id": self.college_a,
            "account_id": self.target,
            "key_id": self.api_key,
            "job_id": self.import_job,
            "kid": self.signing_key,
            "kind": "welcome",
            "role": "student",
        }


Body = Callable[[World], Any]


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    body: Body | None = None
    audit: str | None = None  # the one audit entry the allowed call must leave, if any
    expect: int | None = None  # the allowed call's status when it is not a success
    query: str = ""
    content: bytes | None = None  # a raw body instead of JSON
    content_type: str = "application/json"


def _json(value: Any) -> Body:
    return lambda _world: value


NEW_PASSWORD = "a brand new passphrase 42"
CSV = b"email,display_name,roles\nnew1@uni-a.edu,New One,student\n"

PROTECTED: dict[tuple[str, str], Rule] = {
    ("GET", "/colleges"): Rule(ROOT),
    ("POST", "/colleges"): Rule(
        ROOT, _json({"slug": "uni-new", "name": "New"}), audit="college.created"
    ),
    ("GET", "/colleges/{college_id:uuid}"): Rule(ADMINS),
    ("PATCH", "/colleges/{college_id:uuid}/settings"): Rule(
        ADMINS, _json({"allow_self_signup": True}), audit="college.settings_changed"
    ),
    ("GET", "/colleges/{college_id:uuid}/accounts"): Rule(ADMINS),
    ("POST", "/colleges/{college_id:uuid}/accounts"): Rule(
        ADMINS,
        _json({"email": "fresh@uni-a.edu", "password": PASSWORD}),
        audit="account.registered",
    ),
    ("GET", "/colleges/{college_id:uuid}/accounts.csv"): Rule(ADMINS, audit="bulk.exported"),
    ("POST", "/colleges/{college_id:uuid}/accounts/bulk-update"): Rule(
        ADMINS,
        lambda w: {"account_ids": [w.target], "set": {"roles": ["instructor"]}},
        audit="bulk.updated",
    ),
    ("POST", "/colleges/{college_id:uuid}/accounts/bulk-delete"): Rule(
        ADMINS, lambda w: {"account_ids": [w.target]}, audit="bulk.deleted"
    ),
    ("POST", "/colleges/{college_id:uuid}/account-imports"): Rule(
        ADMINS, content=CSV, content_type="text/csv", audit="bulk.import_started"
    ),
    ("GET", "/account-imports/{job_id:uuid}"): Rule(ADMINS),
    ("POST", "/colleges/{college_id:uuid}/invitations"): Rule(
        ADMINS, _json({"email": "invitee@uni-a.edu"}), audit="account.registered"
    ),
    ("GET", "/colleges/{college_id:uuid}/roles"): Rule(MEMBERS),
    ("PUT", "/colleges/{college_id:uuid}/roles/{role:str}/permissions"): Rule(
        ADMINS, _json({"permissions": ["course:read"]}), audit="role.permissions_changed"
    ),
    ("DELETE", "/colleges/{college_id:uuid}/roles/{role:str}/permissions"): Rule(ADMINS),
    ("GET", "/colleges/{college_id:uuid}/api-keys"): Rule(ADMINS),
    ("POST", "/colleges/{college_id:uuid}/api-keys"): Rule(
        ADMINS, _json({"name": "lti", "scopes": ["course:read"]}), audit="api_key.created"
    ),
    ("GET", "/api-keys/{key_id:uuid}"): Rule(ADMINS),
    ("POST", "/api-keys/{key_id:uuid}/rotate"): Rule(ADMINS, _json({}), audit="api_key.rotated"),
    ("POST", "/api-keys/{key_id:uuid}/revoke"): Rule(ADMINS, audit="api_key.revoked"),
    ("GET", "/accounts/{account_id:uuid}"): Rule(ADMINS),
    ("PATCH", "/accounts/{account_id:uuid}"): Rule(
        ADMINS, _json({"display_name": "Renamed"}), audit="account.updated"
    ),
    ("DELETE", "/accounts/{account_id:uuid}"): Rule(ADMINS, audit="account.deleted"),
    # The target has a password: resending its invitation is a conflict, after the checks.
    ("POST", "/accounts/{account_id:uuid}/invitation"): Rule(ADMINS, expect=409),
    ("PUT", "/accounts/{account_id:uuid}/roles"): Rule(
        ADMINS, _json({"roles": ["instructor"]}), audit="account.roles_assigned"
    ),
    ("POST", "/accounts/{account_id:uuid}/deactivate"): Rule(ADMINS, audit="account.deactivated"),
    # The target is active: reactivating it changes nothing, so nothing is logged.
    ("POST", "/accounts/{account_id:uuid}/reactivate"): Rule(ADMINS),
    ("POST", "/accounts/me/verify-email/request"): Rule(ANY),
    ("POST", "/auth/password"): Rule(
        ANY,
        _json({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        audit="password.changed",
    ),
    ("GET", "/permissions"): Rule(ANY),
    # Another college's admin may read their own college's log: ask for college A's.
    ("GET", "/audit-events"): Rule(ADMINS, query="college_id={college_id}"),
    ("POST", "/signing-keys/rotate"): Rule(ROOT, audit="signing_key.rotated"),
    ("POST", "/signing-keys/{kid:str}/revoke"): Rule(ROOT, audit="signing_key.revoked"),
}

PUBLIC: set[tuple[str, str]] = {
    ("GET", "/.well-known/jwks.json"),
    ("POST", "/auth/login"),
    ("POST", "/auth/refresh"),
    ("POST", "/auth/logout"),
    ("POST", "/auth/signup"),
    ("POST", "/auth/password-reset/request"),
    ("POST", "/auth/password-reset/complete"),
    ("POST", "/auth/verify-email"),
    ("POST", "/auth/invitations/accept"),
    ("POST", "/auth/api-key/token"),
}


def _served_routes(settings: AuthSettings) -> set[tuple[str, str]]:
    app = ServiceRuntime(SERVICE, settings).http_app()
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(PLATFORM_PATHS):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                served.add((method, route.path))
    return served


def test_every_route_is_in_the_matrix(auth_settings: AuthSettings) -> None:
    served = _served_routes(auth_settings)
    assert served - PROTECTED.keys() - PUBLIC == set(), "routes without a matrix entry"
    assert (PROTECTED.keys() | PUBLIC) - served == set(), "matrix entries for missing routes"


async def _account(service: RunningAuthService, college: str, email: str, role: str) -> str:
    return str((await service.create_account(college, email, (role,)))["id"])


async def _bearer(service: RunningAuthService, slug: str, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {(await service.tokens(slug, email))['access_token']}"}


async def _world(service: RunningAuthService) -> World:
    a = (await service.create_college("uni-a"))["id"]
    b = (await service.create_college("uni-b"))["id"]
    for email, role in [
        ("admin@uni-a.edu", "college_admin"),
        ("instructor@uni-a.edu", "instructor"),
        ("student@uni-a.edu", "student"),
    ]:
        await _account(service, a, email, role)
    await _account(service, b, "admin@uni-b.edu", "college_admin")
    target = await _account(service, a, "target@uni-a.edu", "student")
    headers = {
        "student": await _bearer(service, "uni-a", "student@uni-a.edu"),
        "instructor": await _bearer(service, "uni-a", "instructor@uni-a.edu"),
        "admin": await _bearer(service, "uni-a", "admin@uni-a.edu"),
        "other_admin": await _bearer(service, "uni-b", "admin@uni-b.edu"),
        "root": service.root,
    }
    key = await service.client.post(
        f"/colleges/{a}/api-keys",
        json={"name": "sis", "scopes": ["course:read"]},
        headers=headers["admin"],
    )
    assert key.status_code == 201, key.text
    job = await service.client.post(
        f"/colleges/{a}/account-imports",
        content=CSV,
        headers={**headers["admin"], "Content-Type": "text/csv"},
    )
    assert job.status_code == 202, job.text
    jwks = await service.client.get("/.well-known/jwks.json")
    kid = jwks.json()["keys"][0]["kid"]
    return World(a, b, target, key.json()["api_key"]["id"], job.json()["id"], kid, headers)


async def _call(
    service: RunningAuthService,
    method: str,
    path: str,
    rule: Rule,
    world: World,
    headers: dict[str, str],
) -> httpx.Response:
    params = world.params()
    # Litestar keeps the type in route paths: ``{college_id:uuid}``.
    url = re.sub(r"\{(\w+):\w+\}", lambda match: params[match.group(1)], path)
    if rule.query:
        url += "?" + rule.query.format(**world.params())
    if rule.content is not None:
        return await service.client.request(
            method,
            url,
            content=rule.content,
            headers={**headers, "Content-Type": rule.content_type},
        )
    body = rule.body(world) if rule.body else None
    return await service.client.request(method, url, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), sorted(PROTECTED), ids=lambda v: str(v))
async def test_route_by_caller(auth_service: RunningAuthService, method: str, path: str) -> None:
    rule = PROTECTED[(method, path)]
    world = await _world(auth_service)

    anonymous = await _call(auth_service, method, path, rule, world, {})
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("application/problem+json")

    refused = [caller for caller in CALLERS if caller not in rule.allowed]
    for caller in refused:
        response = await _call(auth_service, method, path, rule, world, world.headers[caller])
        expected = {404, 403} if caller == "other_admin" else {403}
        assert response.status_code in expected, (caller, response.status_code, response.text)

    logged_before = await _audit_counts(auth_service)
    allowed = next(caller for caller in CALLERS if caller in rule.allowed)
    response = await _call(auth_service, method, path, rule, world, world.headers[allowed])
    assert response.status_code not in {401, 403, 404}, (allowed, response.text)
    assert response.status_code < 500, response.text
    if rule.expect is not None:
        assert response.status_code == rule.expect, response.text
    else:
        assert response.status_code < 400, response.text  # the sample body is valid

    logged = await _audit_counts(auth_service)
    new_entries = {
        action: logged[action] - logged_before.get(action, 0)
        for action in logged
        if logged[action] != logged_before.get(action, 0) and action not in ASYNC_AUDIT
    }
    assert new_entries == ({rule.audit: 1} if rule.audit else {}), new_entries


# Written later by a background job, not by the call itself.
ASYNC_AUDIT = frozenset({"bulk.import_finished"})


async def _audit_counts(service: RunningAuthService) -> dict[str, int]:
    connection = await asyncpg.connect(to_asyncpg_dsn(service.dsn))
    try:
        rows = await connection.fetch("SELECT action, count(*) FROM audit_log GROUP BY action")
    finally:
        await connection.close()
    return {row["action"]: row["count"] for row in rows}


@pytest.mark.parametrize(("method", "path"), sorted(PUBLIC), ids=lambda v: str(v))
async def test_public_route_needs_no_token(
    auth_service: RunningAuthService, method: str, path: str
) -> None:
    body = {"college": "platform", "email": ROOT_EMAIL, "password": PASSWORD}
    response = await auth_service.client.request(
        method, path, json=body if method == "POST" else None
    )
    assert response.status_code < 500, response.text
    if response.status_code == 401:
        assert response.json()["detail"] != MISSING_TOKEN


# Tables a request could write to; the outbox is left out because the relay drains it on its
# own schedule (every event-writing action also writes an audit entry, which is counted).
WRITTEN_TABLES = (
    "colleges",
    "accounts",
    "refresh_tokens",
    "signing_keys",
    "audit_log",
    "college_role_permissions",
    "api_keys",
    "import_jobs",
    "credential_tokens",
)
BODY_ROUTES = sorted(key for key, rule in PROTECTED.items() if rule.body or rule.content)


async def _row_counts(service: RunningAuthService) -> dict[str, int]:
    connection = await asyncpg.connect(to_asyncpg_dsn(service.dsn))
    try:
        return {
            table: await connection.fetchval(f"SELECT count(*) FROM {table}")
            for table in WRITTEN_TABLES
        }
    finally:
        await connection.close()


async def _import_settled(service: RunningAuthService, world: World) -> None:
    """The world's import job runs in the background; let it finish before counting rows."""
    for _ in range(100):
        job = await service.client.get(
            f"/account-imports/{world.import_job}", headers=world.headers["admin"]
        )
        if job.json()["status"] in ("succeeded", "failed"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the import job did not finish")


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=lambda v: str(v))
async def test_bad_input_is_a_problem_and_writes_nothing(
    auth_service: RunningAuthService, method: str, path: str
) -> None:
    rule = PROTECTED[(method, path)]
    world = await _world(auth_service)
    await _import_settled(auth_service, world)
    allowed = next(caller for caller in CALLERS if caller in rule.allowed)
    before = await _row_counts(auth_service)

    if rule.content is not None:
        bad_bodies = [b"\xff\xfe not UTF-8, not CSV"]  # refused before any row is read
    else:
        bad_bodies = [b'{"truncated": ', b"[]", b'{"unexpected_field": 1}']
    for body in bad_bodies:
        broken = Rule(rule.allowed, content=body, content_type=rule.content_type)
        response = await _call(auth_service, method, path, broken, world, world.headers[allowed])
        assert 400 <= response.status_code < 500, (body, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")

    assert await _row_counts(auth_service) == before
