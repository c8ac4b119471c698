"""Every route of the assignment service, by caller: the instructor, TA and student of
section A; a student of section B; a member of the college enrolled in nothing; an instructor
of another college; the college's admin; and no token.

The world: a course with sections A and B; a published assignment for section A only, with a
student override. The table gives each caller's status on each route; it must list every route
the app serves (the first test fails on a route without an entry). No token is 401 everywhere.
Refused callers write nothing (row counts and the sum of row versions before and after); of
the allowed callers, reads are made by all of them and a write by the first (least privileged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms.assignment.config import AssignmentSettings
from lms.assignment.main import SERVICE
from lms_platform.runtime import ServiceRuntime
from tests.assignment.integration.conftest import AssignmentApi

# Least privileged first: a write is made by the first allowed caller in this order.
CALLERS = ("other_college", "outsider", "other_section", "student", "ta", "instructor", "admin")
PLATFORM_PATHS = ("/health", "/ready", "/metrics", "/schema")

Body = Callable[[dict[str, str]], Any]


def _statuses(ok: int, **refused: int) -> dict[str, int]:
    """``ok`` for every caller not named in ``refused``."""
    return {caller: refused.get(caller, ok) for caller in CALLERS}


HIDDEN = {"other_college": 404, "outsider": 404}
# For section A's assignment: section B's student cannot see it either.
HIDDEN_FROM_B = {**HIDDEN, "other_section": 404}
STAFF_WRITE = {**HIDDEN_FROM_B, "student": 403, "ta": 403}
STAFF_READ = {**HIDDEN_FROM_B, "student": 403}

ROUTES: dict[tuple[str, str], tuple[dict[str, int], Body | None]] = {
    # Section B's student lists the course too (without section A's assignment).
    ("GET", "/assignments"): (_statuses(200, **HIDDEN), None),
    # Everyone has their own list; the other college's holds nothing of this one.
    ("GET", "/me/assignments"): (_statuses(200), None),
    ("POST", "/assignments"): (
        _statuses(201, **HIDDEN, other_section=403, student=403, ta=403),
        lambda ids: {"course_id": ids["course_id"], "title": "New"},
    ),
    ("GET", "/assignments/{assignment_id:uuid}"): (_statuses(200, **HIDDEN_FROM_B), None),
    ("PUT", "/assignments/{assignment_id:uuid}"): (
        _statuses(200, **STAFF_WRITE),
        lambda ids: {"title": "Replaced", "section_ids": [ids["section_a"]]},
    ),
    ("PATCH", "/assignments/{assignment_id:uuid}"): (
        _statuses(200, **STAFF_WRITE),
        lambda ids: {"title": "Renamed"},
    ),
    ("DELETE", "/assignments/{assignment_id:uuid}"): (_statuses(204, **STAFF_WRITE), None),
    ("GET", "/assignments/{assignment_id:uuid}/overrides"): (
        _statuses(200, **STAFF_READ),
        None,
    ),
    ("POST", "/assignments/{assignment_id:uuid}/overrides"): (
        _statuses(201, **STAFF_WRITE),
        lambda ids: {"target": "section", "target_id": ids["section_a"], "due_at": None},
    ),
    ("PUT", "/assignments/{assignment_id:uuid}/overrides/{override_id:uuid}"): (
        _statuses(200, **STAFF_WRITE),
        lambda ids: {"due_at": "2026-10-09T12:00:00Z"},
    ),
    ("DELETE", "/assignments/{assignment_id:uuid}/overrides/{override_id:uuid}"): (
        _statuses(204, **STAFF_WRITE),
        None,
    ),
    ("GET", "/assignments/{assignment_id:uuid}/late-policy/preview"): (
        _statuses(200, **HIDDEN_FROM_B),
        None,
    ),
    ("GET", "/courses/{course_id:uuid}/late-policy"): (_statuses(200, **HIDDEN), None),
    ("PUT", "/courses/{course_id:uuid}/late-policy"): (
        _statuses(200, **HIDDEN, other_section=403, student=403, ta=403),
        lambda ids: {"late_deduction_enabled": True, "late_deduction_percent": 5},
    ),
}


def _served_routes(settings: AssignmentSettings) -> set[tuple[str, str]]:
    app = ServiceRuntime(SERVICE, settings).http_app()
    served: set[tuple[str, str]] = set()
    for route in app.routes:
        if route.path.startswith(PLATFORM_PATHS):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                served.add((method, route.path))
    return served


def test_every_route_is_in_the_matrix(assignment_settings: AssignmentSettings) -> None:
    served = _served_routes(assignment_settings)
    assert served - ROUTES.keys() == set(), "routes without a matrix entry"
    assert ROUTES.keys() - served == set(), "matrix entries for routes that do not exist"


async def _world(api: AssignmentApi) -> dict[str, str]:
    assignment = await api.create(
        section_ids=[str(api.cast.section_a)],
        unlock_at="2026-01-01T00:00:00Z",
        due_at="2026-10-08T23:59:00Z",
        lock_at="2026-10-10T23:59:00Z",
    )
    override = await api.client.post(
        f"/assignments/{assignment['id']}/overrides",
        json={"target": "student", "target_id": str(api.cast.users["student"]),
              "due_at": "2026-10-09T23:59:00Z"},
        headers=api.as_("instructor"),
    )  # fmt: skip
    assert override.status_code == 201, override.text
    return {
        "assignment_id": assignment["id"],
        "override_id": override.json()["id"],
        "course_id": str(api.cast.course_id),
        "section_a": str(api.cast.section_a),
    }


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES), ids=lambda v: str(v))
async def test_route(api: AssignmentApi, method: str, path: str) -> None:
    expected, make_body = ROUTES[(method, path)]
    ids = await _world(api)
    url = path
    for name, value in ids.items():
        url = url.replace(f"{{{name}:uuid}}", value)
    body = make_body(ids) if make_body else None

    params = {"course_id": ids["course_id"]} if path == "/assignments" else None

    async def call(headers: dict[str, str]) -> Any:
        return await api.client.request(method, url, json=body, params=params, headers=headers)

    before = await api.row_counts()
    anonymous = await call({})
    assert anonymous.status_code == 401, anonymous.text
    assert anonymous.headers["content-type"].startswith("application/problem+json")

    success = {200, 201, 204}
    refused = [c for c in CALLERS if expected[c] not in success]
    allowed = [c for c in CALLERS if expected[c] in success]
    for caller in refused:
        response = await call(api.as_(caller))
        assert response.status_code == expected[caller], f"{caller}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await api.row_counts() == before, "a refused call wrote something"

    for caller in allowed if method == "GET" else allowed[:1]:
        response = await call(api.as_(caller))
        assert response.status_code == expected[caller], f"{caller}: {response.text}"
        if caller in ("other_college", "outsider", "other_section") and path.endswith(
            "assignments"
        ):
            assert ids["assignment_id"] not in response.text, f"{caller} sees section A's work"
    if method != "GET":
        assert await api.row_counts() != before, "the allowed write changed nothing"
