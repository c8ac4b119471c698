"""Lists against the real service: a course's assignments for staff (filters, order, pages) and
for a student (their sections, their dates, after unlock), and ``GET /me/assignments`` across
courses with each student's own dates."""

from __future__ import annotations

import uuid
from typing import Any

from lms_platform.kernel.membership import SectionRole
from tests.assignment.integration.conftest import AssignmentApi


async def _list(
    api: AssignmentApi, who: str, path: str = "/assignments", **params: Any
) -> dict[str, Any]:
    response = await api.client.get(path, params=params, headers=api.as_(who))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_staff_filter_sort_and_page_a_course(api: AssignmentApi) -> None:
    course = str(api.cast.course_id)
    first = await api.create(title="A", due_at="2026-10-01T00:00:00Z")
    second = await api.create(title="B", due_at="2026-10-05T00:00:00Z", status="draft")
    third = await api.create(
        title="C", due_at="2026-10-03T00:00:00Z", section_ids=[str(api.cast.section_b)]
    )
    undated = await api.create(title="D")
    everything = await _list(api, "ta", course_id=course)
    assert [a["title"] for a in everything["items"]] == ["A", "C", "B", "D"]  # undated last
    assert everything["total"] == 4 and not everything["has_more"]
    newest_due = await _list(api, "instructor", course_id=course, sort="-due_at", limit=2)
    assert [a["id"] for a in newest_due["items"]] == [undated["id"], second["id"]]
    assert newest_due["has_more"]
    window = await _list(
        api, "instructor", course_id=course,
        due_after="2026-10-02T00:00:00Z", due_before="2026-10-05T00:00:00Z",
    )  # fmt: skip
    assert [a["id"] for a in window["items"]] == [third["id"]]
    drafts = await _list(api, "instructor", course_id=course, status="draft")
    assert [a["id"] for a in drafts["items"]] == [second["id"]]
    for_a = await _list(api, "instructor", course_id=course, section_id=str(api.cast.section_a))
    assert {a["id"] for a in for_a["items"]} == {first["id"], second["id"], undated["id"]}
    paged = await _list(api, "instructor", course_id=course, limit=1, offset=3)
    assert [a["id"] for a in paged["items"]] == [undated["id"]]


async def test_a_student_lists_their_sections_with_their_dates(api: AssignmentApi) -> None:
    course = str(api.cast.course_id)
    mine = await api.create(
        title="Mine", due_at="2026-10-05T00:00:00Z", lock_at="2026-10-20T00:00:00Z"
    )
    await api.create(title="B only", section_ids=[str(api.cast.section_b)])
    await api.create(title="Draft", status="draft")
    await api.create(title="Later", unlock_at="2999-01-01T00:00:00Z")
    extension = await api.client.post(
        f"/assignments/{mine['id']}/overrides",
        json={"target": "student", "target_id": str(api.cast.users["student"]),
              "due_at": "2026-10-09T00:00:00Z"},
        headers=api.as_("instructor"),
    )  # fmt: skip
    assert extension.status_code == 201
    listed = await _list(api, "student", course_id=course)
    assert [(a["title"], a["due_at"]) for a in listed["items"]] == [
        ("Mine", "2026-10-09T00:00:00Z")
    ]
    assert listed["items"][0]["date_sources"]["due_at"] == "student"
    # The window applies to the student's own due date.
    early = await _list(api, "student", course_id=course, due_before="2026-10-06T00:00:00Z")
    assert early["items"] == []
    assert (await _list(api, "student", course_id=course, status="draft"))["items"] == []
    theirs = await _list(api, "other_section", course_id=course)
    assert [a["title"] for a in theirs["items"]] == ["Mine", "B only"]
    assert theirs["items"][0]["due_at"] == "2026-10-05T00:00:00Z"


async def test_me_assignments_spans_courses(api: AssignmentApi) -> None:
    await api.create(title="Course 1", due_at="2026-11-02T00:00:00Z")
    other_course, other_section = uuid.uuid4(), uuid.uuid4()
    await api.know_course(other_course)
    teacher = uuid.uuid4()
    await api.enroll(teacher, other_section, SectionRole.INSTRUCTOR, course_id=other_course)
    await api.enroll(api.cast.users["student"], other_section, course_id=other_course)
    response = await api.client.post(
        "/assignments",
        json={"course_id": str(other_course), "title": "Course 2", "status": "published",
              "due_at": "2026-11-01T00:00:00Z"},
        headers=api.token(teacher, roles=("instructor",)),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    mine = await _list(api, "student", "/me/assignments")
    assert [a["title"] for a in mine["items"]] == ["Course 2", "Course 1"]
    assert {a["course_id"] for a in mine["items"]} == {str(other_course), str(api.cast.course_id)}
    one = await _list(api, "student", "/me/assignments", course_id=str(other_course))
    assert [a["title"] for a in one["items"]] == ["Course 2"]
    assert (await _list(api, "ta", "/me/assignments"))["items"] == []  # staff, not a student
    assert (await _list(api, "other_college", "/me/assignments"))["total"] == 0


async def test_list_parameters_out_of_range(api: AssignmentApi) -> None:
    course = str(api.cast.course_id)
    for params in (
        {},  # the course is required
        {"course_id": "x"},
        {"course_id": course, "limit": 0},
        {"course_id": course, "limit": 101},
        {"course_id": course, "offset": -1},
        {"course_id": course, "sort": "title"},
        {"course_id": course, "status": "archived"},
        {"course_id": course, "due_after": "2026-10-01T00:00:00"},
    ):
        response = await api.client.get("/assignments", params=params, headers=api.as_("ta"))
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def _every_page(api: AssignmentApi, who: str, path: str, **params: Any) -> list[str]:
    """Titles of every page, following next_cursor until the last page."""
    titles: list[str] = []
    page = await _list(api, who, path, limit=2, **params)
    while True:
        titles += [a["title"] for a in page["items"]]
        if page["next_cursor"] is None:
            assert not page["has_more"]
            return titles
        assert page["has_more"] and len(page["items"]) == 2
        page = await _list(api, who, path, limit=2, cursor=page["next_cursor"], **params)


async def test_lists_page_by_cursor(api: AssignmentApi) -> None:
    course = str(api.cast.course_id)
    for n, day in enumerate(("05", "01", "03", "02", "04")):
        await api.create(title=f"A{n}", due_at=f"2026-10-{day}T00:00:00Z")
    await api.create(title="Undated")
    by_due = ["A1", "A3", "A2", "A4", "A0", "Undated"]
    # Staff: keyset pages in SQL; students and /me/assignments: the same contract in memory.
    assert await _every_page(api, "instructor", "/assignments", course_id=course) == by_due
    assert await _every_page(
        api, "instructor", "/assignments", course_id=course, sort="-due_at"
    ) == list(reversed(by_due))
    assert await _every_page(api, "student", "/assignments", course_id=course) == by_due
    assert await _every_page(api, "student", "/me/assignments") == by_due
    assert await _every_page(api, "student", "/me/assignments", sort="-created_at") == [
        "Undated", "A4", "A3", "A2", "A1", "A0",
    ]  # fmt: skip
    # A new assignment between two pages neither repeats nor skips one already listed.
    first = await _list(api, "instructor", "/assignments", course_id=course, limit=2)
    await api.create(title="Early", due_at="2026-09-01T00:00:00Z")
    rest = await _list(
        api, "instructor", "/assignments", course_id=course, cursor=first["next_cursor"]
    )
    assert [a["title"] for a in rest["items"]] == ["A2", "A4", "A0", "Undated"]
    # A cursor belongs to its list, sort and filters; an edited one is no cursor.
    cursor = first["next_cursor"]
    for params in (
        {"course_id": course, "cursor": cursor, "sort": "-due_at"},
        {"course_id": course, "cursor": cursor, "status": "published"},
        {"course_id": course, "cursor": cursor[:-2] + "xy"},
        {"course_id": course, "cursor": cursor, "offset": 2},
    ):
        response = await api.client.get(
            "/assignments", params=params, headers=api.as_("instructor")
        )
        assert response.status_code == 400, (params, response.text)
    mine = await api.client.get(
        "/me/assignments", params={"cursor": cursor}, headers=api.as_("student")
    )
    assert mine.status_code == 400, mine.text
    exact = await _list(api, "instructor", "/assignments", course_id=course, include_total="true")
    assert exact["total"] == 7 and exact["total_exact"]
