"""The snapshot feed a new consumer builds its membership read model from: every enrollment
of the caller's college, tombstones included, by cursor, and from a time on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tests.course.integration.conftest import OTHER_COLLEGE, CourseApi


async def test_the_feed_pages_every_change_with_tombstones_and_stays_in_its_college(
    api: CourseApi,
) -> None:
    service = api.token("svc-chat", roles=(), permissions={"enrollment:sync"})
    course = await api.create_course()
    section = await api.create_section(course["id"])
    enrollments = [await api.enroll(section["id"], await api.add_user()) for _ in range(7)]
    dropped = await api.client.post(
        f"/enrollments/{enrollments[0]['id']}/drop", headers=api.admin()
    )
    assert dropped.status_code == 200
    # The first student's account is deleted: their enrollment becomes a tombstone.
    await api.service.scalar(
        "UPDATE enrollments SET deleted_at = now(), updated_at = now(), version = version + 1 "
        "WHERE id = $1 RETURNING id",
        uuid.UUID(enrollments[1]["id"]),
    )

    seen: dict[str, dict[str, Any]] = {}
    cursor = None
    pages = 0
    while True:
        query = "/enrollments?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.client.get(query, headers=service)).json()
        pages += 1
        for item in page["items"]:
            assert item["id"] not in seen  # the cursor never repeats a row
            seen[item["id"]] = item
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and set(seen) == {e["id"] for e in enrollments}
    assert (
        seen[enrollments[0]["id"]]["state"] == "dropped"
        and seen[enrollments[0]["id"]]["version"] == 2
    )
    assert seen[enrollments[1]["id"]]["deleted_at"] is not None
    stamps = [datetime.fromisoformat(item["updated_at"]) for item in seen.values()]
    assert stamps == sorted(stamps)

    newest = max(stamps).isoformat().replace("+00:00", "Z")
    later = (await api.client.get(f"/enrollments?updated_since={newest}", headers=service)).json()
    assert [item["id"] for item in later["items"]] == [enrollments[1]["id"]]

    elsewhere = api.token("svc-b", college=OTHER_COLLEGE, roles=(), permissions={"enrollment:sync"})
    assert (await api.client.get("/enrollments", headers=elsewhere)).json()["items"] == []


async def test_my_courses_groups_sections_by_course_with_roles(api: CourseApi) -> None:
    user = await api.add_user()
    first = await api.create_course("AAA1")
    second = await api.create_course("BBB1")
    a1 = await api.create_section(first["id"], "A1")
    a2 = await api.create_section(first["id"], "A2")
    b1 = await api.create_section(second["id"], "B1")
    await api.enroll(a1["id"], user)
    await api.enroll(a2["id"], user, "teaching_assistant")
    gone = await api.enroll(b1["id"], user)
    await api.client.post(f"/enrollments/{gone['id']}/drop", headers=api.admin())
    mine = (await api.client.get("/me/courses", headers=api.token(user))).json()["items"]
    assert [entry["course"]["code"] for entry in mine] == ["AAA1"]  # the dropped one is gone
    assert mine[0]["roles"] == ["student", "teaching_assistant"]
    assert [s["section"]["code"] for s in mine[0]["sections"]] == ["A1", "A2"]
