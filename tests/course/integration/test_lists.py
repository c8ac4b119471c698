"""Lists page by cursor (the platform's keyset pages): every item once, in order, while the
list changes; a cursor only for the list, sort and filters it came from; and each order is
served by its index."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from lms.course.adapters.persistence.catalogue_repository import _COURSE_ORDERS, _COURSES
from lms_platform.testing.dsn import to_asyncpg_dsn
from tests.course.integration.conftest import CourseApi


async def _walk(api: CourseApi, path: str, *, limit: int = 2, **query: Any) -> list[dict[str, Any]]:
    """Every page of ``path``, following ``next_cursor``."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": limit, **query}
    while True:
        response = await api.client.get(path, params=params, headers=api.admin())
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        if page["next_cursor"] is None:
            assert page["has_more"] is False
            return items
        assert page["has_more"] is True
        params = {"limit": limit, **query, "cursor": page["next_cursor"]}


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("code", ["A1", "B2", "C3", "D4", "E5"]),
        ("-code", ["E5", "D4", "C3", "B2", "A1"]),
        ("title", ["A1", "D4", "E5", "C3", "B2"]),
        ("start_date", ["B2", "A1", "E5", "C3", "D4"]),  # undated last
        ("-start_date", ["E5", "A1", "B2", "C3", "D4"]),  # undated last here too
    ],
)
async def test_course_pages_hold_every_course_once_in_each_sort(
    api: CourseApi, sort: str, expected: list[str]
) -> None:
    for code, title, start in (
        ("C3", "Chemistry", None), ("A1", "Algebra", "2026-09-01"), ("E5", "Biology", "2026-10-01"),
        ("D4", "Anatomy", None), ("B2", "Zoology", "2026-01-15"),
    ):  # fmt: skip
        await api.create_course(code, title=title, start_date=start)
    codes = [c["code"] for c in await _walk(api, "/courses", sort=sort)]
    if sort in ("start_date", "-start_date"):  # two undated courses: in id order, either way
        assert codes[:3] == expected[:3] and sorted(codes[3:]) == sorted(expected[3:])
    else:
        assert codes == expected


async def test_a_cursor_page_is_stable_while_courses_are_added(api: CourseApi) -> None:
    for code in ("B", "D", "F", "H"):
        await api.create_course(code)
    first = (await api.client.get("/courses?limit=2", headers=api.admin())).json()
    assert [c["code"] for c in first["items"]] == ["B", "D"]
    await api.create_course("A")  # before the cursor: not seen, and nothing shifts
    await api.create_course("E")  # after it: seen in its place
    rest = await _walk(api, "/courses", cursor=first["next_cursor"])
    assert [c["code"] for c in rest] == ["E", "F", "H"]


async def test_a_cursor_is_for_its_own_list_sort_and_filters(api: CourseApi) -> None:
    for code in ("A", "B", "C"):
        await api.create_course(code)
    page = (await api.client.get("/courses?limit=1", headers=api.admin())).json()
    cursor = page["next_cursor"]
    for path in (
        f"/courses?cursor={cursor}&sort=-code",
        f"/courses?cursor={cursor}&status=published",
        f"/courses?cursor={cursor}&offset=1",
        f"/terms?cursor={cursor}",
        "/courses?cursor=not-a-cursor",
        f"/courses?cursor={cursor[:-2]}",
    ):
        refused = await api.client.get(path, headers=api.admin())
        assert refused.status_code == 400, (path, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")


async def test_rosters_terms_batches_and_sections_page_by_cursor(api: CourseApi) -> None:
    admin = api.admin()
    course = await api.create_course()
    sections = [await api.create_section(course["id"], code) for code in ("S3", "S1", "S2")]
    users = [await api.add_user() for _ in range(5)]
    for user in users:
        await api.enroll(sections[0]["id"], user)
    for n, start in enumerate(("2026-01-10", "2026-09-01", "2025-09-01")):
        response = await api.client.post(
            "/terms", json={"name": f"T{n}", "start_date": start, "end_date": "2026-12-31"},
            headers=admin,
        )  # fmt: skip
        assert response.status_code == 201
    for code in ("B2", "B1", "B3"):
        response = await api.client.post(
            "/batches", json={"code": code, "name": code}, headers=admin
        )
        assert response.status_code == 201

    roster = await _walk(api, f"/sections/{sections[0]['id']}/enrollments")
    assert [e["user_id"] for e in roster] == users  # oldest enrollment first
    assert [t["start_date"] for t in await _walk(api, "/terms")] == [
        "2026-09-01", "2026-01-10", "2025-09-01",
    ]  # fmt: skip
    assert [b["code"] for b in await _walk(api, "/batches")] == ["B1", "B2", "B3"]
    assert [s["code"] for s in await _walk(api, "/sections")] == ["S1", "S2", "S3"]
    of_course = await _walk(api, f"/courses/{course['id']}/sections")
    assert [s["code"] for s in of_course] == ["S1", "S2", "S3"]
    first = (
        await api.client.get(f"/sections/{sections[0]['id']}/enrollments?limit=2", headers=admin)
    ).json()
    other_section = await api.client.get(
        f"/sections/{sections[1]['id']}/enrollments?cursor={first['next_cursor']}",
        headers=admin,
    )
    assert other_section.status_code == 400  # a roster's cursor is for that roster only
    assert (first["total"], first["total_exact"]) == (5, True)


async def test_every_course_order_is_an_index_scan(api: CourseApi) -> None:
    """With sequential scans off, each order's page query reads its own index: the index
    exists and matches the query (the start date's expression included)."""
    url = api.service.settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    connection = await asyncpg.connect(to_asyncpg_dsn(url))
    try:
        await connection.execute("SET enable_seqscan = off")
        for sort, index in {
            "code": "ix_courses_tenant_code_id", "-code": "ix_courses_tenant_code_id",
            "title": "ix_courses_tenant_title_id", "created_at": "ix_courses_tenant_created_id",
            "start_date": "ix_courses_tenant_start_up_id",
            "-start_date": "ix_courses_tenant_start_down_id",
        }.items():  # fmt: skip
            order = _COURSE_ORDERS[sort]
            extra = [c for c in order.columns if c.key not in _COURSES.c]
            query = (
                select(_COURSES, *extra)
                .where(_COURSES.c.tenant_id == "college-a", _COURSES.c.deleted_at.is_(None))
                .order_by(*order.order_by())
                .limit(21)
            )
            sql = str(
                query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
            )
            plan = "\n".join(r[0] for r in await connection.fetch(f"EXPLAIN {sql}"))
            assert index in plan and "Sort" not in plan, (sort, plan)
        trigram = await connection.fetch(
            "EXPLAIN SELECT id FROM courses WHERE title ILIKE '%lgebr%'"
        )
        assert "ix_courses_title_trgm" in "\n".join(r[0] for r in trigram)
    finally:
        await connection.close()
