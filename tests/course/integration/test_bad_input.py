"""Bad input is a 4xx problem and writes nothing: malformed, mistyped, unknown-field,
oversize and out-of-range bodies and parameters, on every route that takes a body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.course.integration.conftest import CourseApi
from tests.course.integration.test_permission_matrix import PROTECTED, build_world

BODY_ROUTES = sorted((m, p) for (m, p), rule in PROTECTED.items() if rule.body is not None)

BIG = "x" * 70_000  # over the 64 KiB body limit of the test settings


def _url(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace(f"{{{name}:uuid}}", value)
    return path


def _is_problem(response: Any, statuses: tuple[int, ...]) -> None:
    assert response.status_code in statuses, f"{response.status_code} {response.text}"
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES, ids=lambda v: str(v))
async def test_every_body_route_refuses_bad_bodies_and_writes_nothing(
    api: CourseApi, method: str, path: str
) -> None:
    world = await build_world(api)
    url = _url(path, world.ids)
    good = PROTECTED[(method, path)].body(world)  # type: ignore[misc]
    admin = api.admin()
    before = await api.row_counts()
    bad_bodies: list[tuple[str, bytes, tuple[int, ...]]] = [
        ("malformed", b'{"title": ', (400,)),
        ("not an object", b"[1, 2, 3]", (400,)),
        ("unknown field", _json({**good, "surprise": 1}), (400,)),
        ("mistyped", _json({key: {"nested": True} for key in good}), (400,)),
        ("oversize", _json({**good, "padding": BIG}), (413,)),
    ]
    for label, content, statuses in bad_bodies:
        response = await api.client.request(
            method, url, content=content, headers={**admin, "content-type": "application/json"}
        )
        assert response.status_code in statuses, f"{label}: {response.status_code} {response.text}"
        _is_problem(response, statuses)
    assert await api.row_counts() == before, "a refused body wrote something"


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


OUT_OF_RANGE: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/courses", {"code": "", "title": "T"}),
    ("POST", "/courses", {"code": "C" * 65, "title": "T"}),
    ("POST", "/courses", {"code": "bad/code", "title": "T"}),
    ("POST", "/courses", {"code": "OK1", "title": "T", "start_date": "2026-09-10", "end_date": "2026-09-01"}),
    ("POST", "/courses", {"code": "OK2", "title": "T", "term_id": "00000000-0000-0000-0000-000000000001"}),
    # Grading schemes: malformed and out of range (400), or breaking a rule across letters (422).
    ("POST", "/courses", {"code": "OK3", "title": "T", "grading_scheme": [{"name": "A", "min_percent": 50}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": []}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": "A"}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [["A", 0]]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A"}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": "0"}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 0, "gpa": 4}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": f"L{i}", "min_percent": 20 - i} for i in range(21)]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 101}, {"name": "F", "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 90}, {"name": "F", "min_percent": -1}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A" * 17, "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "", "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 80}, {"name": "B", "min_percent": 90}, {"name": "F", "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 90}, {"name": "B", "min_percent": 10}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 90}, {"name": "a", "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": "A", "min_percent": 90.125}, {"name": "F", "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"grading_scheme": [{"name": " A", "min_percent": 0}]}),
    ("PATCH", "/courses/{course_id}", {"title": "Renamed", "grading_scheme": [{"name": "A", "min_percent": 5}]}),
    ("POST", "/terms", {"name": "T", "start_date": "2026-13-01", "end_date": "2026-12-01"}),
    ("POST", "/terms", {"name": "T", "start_date": "2026-12-02", "end_date": "2026-12-01"}),
    ("POST", "/sections", {"course_id": "{course_id}", "code": "Z", "name": "Z", "capacity": -1}),
    ("POST", "/sections", {"course_id": "{course_id}", "code": "Z", "name": "Z", "capacity": 10_001}),
    # Capacity below the seats taken is the state refusing it, a 409: see test_capacity.py.
    ("POST", "/sections/{section_id}/enrollments", {"user_id": "not-a-uuid"}),
    ("POST", "/sections/{section_id}/enrollments", {"user_id": "{newcomer}", "role": "dean"}),
    ("POST", "/sections/{section_id}/enrollments", {"user_id": "{newcomer}", "state": "completed"}),
    ("POST", "/sections/{section_id}/enrollments", {"user_id": "{newcomer}", "role": "observer"}),
    ("POST", "/sections/{section_id}/enrollments", {"user_id": "00000000-0000-0000-0000-000000000002"}),
    ("POST", "/sections/{section_id}/enrollments/bulk", {"items": []}),
    ("POST", "/sections/{section_id}/enrollments/bulk", {"items": [{"user_id": "{newcomer}"}] * 201}),
    ("POST", "/sections/{section_id}/enrollments/bulk", {"items": [{"user_id": "{newcomer}"}] * 2}),
    ("POST", "/courses/{course_id}/modules", {"title": "M", "prerequisite_ids": ["00000000-0000-0000-0000-000000000003"]}),
    ("PATCH", "/modules/{module_id}", {"prerequisite_ids": ["{module_id}"]}),
    ("PUT", "/modules/{module_id}/items/order", {"item_ids": []}),
    ("POST", "/modules/{module_id}/items", {"title": "I", "type": "video"}),
]  # fmt: skip


async def test_out_of_range_values_are_refused_and_write_nothing(api: CourseApi) -> None:
    world = await build_world(api)
    # Seats taken in section A: two students (student and target).
    before = await api.row_counts()
    for method, path, body in OUT_OF_RANGE:
        text = _json(body).decode()
        for name, value in world.ids.items():
            text = text.replace(f"{{{name}}}", value)
        response = await api.client.request(
            method, _url(path.replace("}", ":uuid}"), world.ids), content=text.encode(),
            headers={**api.admin(), "content-type": "application/json"},
        )  # fmt: skip
        _is_problem(response, (400, 422))
    assert await api.row_counts() == before


BAD_QUERIES = [
    "/courses?limit=0", "/courses?limit=101", "/courses?offset=-1", "/courses?status=gone",
    "/courses?sort=secret", "/courses?term_id=nope", "/courses?q=" + "q" * 101,
    "/sections/{section_id}/enrollments?state=lost", "/enrollments?limit=5000",
    "/enrollments?cursor=%%%", "/enrollments?updated_since=yesterday",
]  # fmt: skip


async def test_bad_query_parameters_are_a_400_problem(api: CourseApi) -> None:
    world = await build_world(api)
    for query in BAD_QUERIES:
        url = query.replace("{section_id}", world.ids["section_id"])
        headers = world.headers["service"] if url.startswith("/enrollments") else api.admin()
        _is_problem(await api.client.get(url, headers=headers), (400,))


async def test_bad_path_ids_are_a_problem(api: CourseApi) -> None:
    for url in ("/courses/not-a-uuid", "/sections/123", "/enrollments/x/drop"):
        response = await api.client.request(
            "POST" if url.endswith("drop") else "GET", url, headers=api.admin()
        )
        _is_problem(response, (400, 404))
