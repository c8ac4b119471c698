"""Bad input gets a 4xx problem and writes nothing: malformed JSON, a wrong type, an unknown
field, a body over the limit, a value out of range, a rule broken across fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.assignment.integration.conftest import AssignmentApi

MALFORMED = b'{"title": "x",'


def _creation(api: AssignmentApi, **fields: Any) -> dict[str, Any]:
    return {"course_id": str(api.cast.course_id), "title": "Essay", **fields}


CREATION_CASES: list[tuple[str, Any, set[int]]] = [
    ("malformed", MALFORMED, {400}),
    ("not an object", b"[]", {400}),
    ("mistyped title", {"title": 42}, {400}),
    ("mistyped points", {"points_possible": "ten"}, {400}),
    ("unknown field", {"is_admin": True}, {400}),
    ("read-only field", {"version": 7}, {400}),
    ("missing title", {"title": None}, {400}),
    ("empty title", {"title": ""}, {400}),
    ("points out of range", {"points_possible": 100_001}, {400}),
    ("negative points", {"points_possible": -1}, {400}),
    ("points with three decimals", {"points_possible": 1.005}, {422}),
    ("zero attempts", {"allowed_attempts": 0}, {422}),
    ("attempts out of range", {"allowed_attempts": 101}, {400}),
    ("unknown grading type", {"grading_type": "stars"}, {400}),
    ("unknown submission type", {"submission_types": ["fax"]}, {400}),
    ("no submission type", {"submission_types": []}, {400}),
    ("none with others", {"submission_types": ["none", "text"]}, {422}),
    (
        "file rules without files",
        {"submission_types": ["text"], "file_rules": {"multiple_files": True}},
        {422},
    ),
    ("bad extension", {"file_rules": {"allowed_extensions": ["p d f"]}}, {400}),
    ("file too large", {"file_rules": {"max_file_bytes": 6 * 1024**3}}, {400}),
    (
        "too many sections",
        {"section_ids": [f"00000000-0000-0000-0000-{i:012d}" for i in range(101)]},
        {400},
    ),
    ("not a uuid", {"section_ids": ["x"]}, {400}),
    ("date without zone", {"due_at": "2026-10-08T23:59:00"}, {400}),
    ("not a date", {"due_at": "soon"}, {400}),
    ("year 1800", {"due_at": "1800-01-01T00:00:00Z"}, {422}),
    (
        "due after lock",
        {"due_at": "2026-10-09T00:00:00Z", "lock_at": "2026-10-08T00:00:00Z"},
        {422},
    ),
    (
        "unlock after due",
        {"unlock_at": "2026-10-09T00:00:00Z", "due_at": "2026-10-08T00:00:00Z"},
        {422},
    ),
    ("unknown status", {"status": "archived"}, {400}),
    ("NUL in title", {"title": "a\u0000b"}, {400, 422}),
]


async def _expect_refused(api: AssignmentApi, response: Any, statuses: set[int]) -> None:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code and problem["type"].startswith("https://")


def _send(api: AssignmentApi, case: Any, base: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    content = case if isinstance(case, bytes) else json.dumps({**base, **case}).encode()
    return content, {**api.as_("instructor"), "content-type": "application/json"}


@pytest.mark.parametrize(
    ("name", "case", "statuses"), CREATION_CASES, ids=[c[0] for c in CREATION_CASES]
)
async def test_bad_creations_write_nothing(
    api: AssignmentApi, name: str, case: Any, statuses: set[int]
) -> None:
    before = await api.row_counts()
    content, headers = _send(api, case, _creation(api))
    response = await api.client.post("/assignments", content=content, headers=headers)
    await _expect_refused(api, response, statuses)
    assert await api.row_counts() == before


async def test_bad_changes_write_nothing(api: AssignmentApi) -> None:
    created = await api.create(due_at="2026-10-08T00:00:00Z", lock_at="2026-10-10T00:00:00Z")
    path = f"/assignments/{created['id']}"
    before = await api.row_counts()
    for name, case, statuses in CREATION_CASES:
        if name in ("missing title",):
            continue
        for method, base in (("PATCH", {}), ("PUT", {"title": "Essay"})):
            content, headers = _send(api, case, base)
            response = await api.client.request(method, path, content=content, headers=headers)
            assert response.status_code in statuses | {400}, (method, name, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    moved_lock = await api.client.patch(
        path, json={"lock_at": "2026-10-01T00:00:00Z"}, headers=api.as_("instructor")
    )
    await _expect_refused(api, moved_lock, {422})
    # Not one of our ETags: it matches no version, so the precondition fails (RFC 9110 13.1.1).
    bad_etag = await api.client.patch(
        path, json={"title": "x"}, headers={**api.as_("instructor"), "If-Match": "garbage"}
    )
    await _expect_refused(api, bad_etag, {412})
    assert await api.row_counts() == before


async def test_oversize_bodies_are_refused_with_413(api: AssignmentApi) -> None:
    created = await api.create()
    before = await api.row_counts()
    huge = "x" * (api.service.settings.max_request_body_bytes + 1)
    for method, path, body in (
        ("POST", "/assignments", _creation(api, description=huge)),
        ("PATCH", f"/assignments/{created['id']}", {"description": huge}),
        ("PUT", f"/courses/{api.cast.course_id}/late-policy", {"late_interval": huge}),
    ):
        response = await api.client.request(method, path, json=body, headers=api.as_("instructor"))
        await _expect_refused(api, response, {413})
    assert await api.row_counts() == before


OVERRIDE_CASES: list[tuple[str, Any, set[int]]] = [
    ("malformed", MALFORMED, {400}),
    ("unknown target", {"target": "group"}, {400}),
    ("no target id", {"target_id": None}, {400}),
    ("unknown field", {"extra": 1}, {400}),
    ("no date at all", {"due_at": None, "__drop__": "due_at"}, {422}),
    ("past the lock", {"due_at": "2026-10-11T00:00:00Z"}, {422}),
]


async def test_bad_overrides_write_nothing(api: AssignmentApi) -> None:
    created = await api.create(due_at="2026-10-08T00:00:00Z", lock_at="2026-10-10T00:00:00Z")
    path = f"/assignments/{created['id']}/overrides"
    good = {"target": "student", "target_id": str(api.cast.users["student"]), "due_at": None}
    before = await api.row_counts()
    for name, case, statuses in OVERRIDE_CASES:
        if isinstance(case, dict) and "__drop__" in case:
            body = {k: v for k, v in good.items() if k != case["__drop__"]}
            content, headers = _send(api, body, {})
        else:
            content, headers = _send(api, case, good)
        response = await api.client.post(path, content=content, headers=headers)
        assert response.status_code in statuses, (name, response.text)
    duplicate = await api.client.post(path, json=good, headers=api.as_("instructor"))
    assert duplicate.status_code == 201
    again = await api.client.post(path, json=good, headers=api.as_("instructor"))
    await _expect_refused(api, again, {409})
    assert again.json()["code"] == "duplicate_override"
    after = await api.row_counts()
    assert after["assignment_overrides"] == before["assignment_overrides"] + 1


@pytest.mark.parametrize(
    "body",
    [
        {"late_deduction_percent": 101},
        {"minimum_percent": -1},
        {"missing_deduction_percent": "all"},
        {"late_interval": "week"},
        {"late_deduction_percent": 2.555},
        {"unknown": True},
    ],
)
async def test_bad_late_policies_write_nothing(api: AssignmentApi, body: dict[str, Any]) -> None:
    before = await api.row_counts()
    response = await api.client.put(
        f"/courses/{api.cast.course_id}/late-policy", json=body, headers=api.as_("instructor")
    )
    await _expect_refused(api, response, {400, 422})
    assert await api.row_counts() == before


@pytest.mark.parametrize(
    "params",
    [
        {"submitted_at": "yesterday"},
        {"submitted_at": "2026-10-08T00:00:00"},
        {"student_id": "not-a-uuid"},
    ],
)
async def test_bad_preview_queries(api: AssignmentApi, params: dict[str, str]) -> None:
    created = await api.create()
    response = await api.client.get(
        f"/assignments/{created['id']}/late-policy/preview",
        params=params,
        headers=api.as_("instructor"),
    )
    await _expect_refused(api, response, {400})


async def test_a_number_is_no_date(api: AssignmentApi) -> None:
    created = await api.create()
    before = await api.row_counts()
    response = await api.client.post(
        f"/assignments/{created['id']}/overrides",
        json={"target": "student", "target_id": str(api.cast.users["student"]), "due_at": 5},
        headers=api.as_("instructor"),
    )
    await _expect_refused(api, response, {400})
    assert await api.row_counts() == before
