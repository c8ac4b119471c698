"""GET /submissions in keyset pages: following next_cursor visits every submission once, in
hand-in order; a cursor is bound to the filters it was issued for, and an edited, foreign or
mismatched one is a 400 problem; offset pages still work."""

from __future__ import annotations

import uuid
from typing import Any

from tests.submission.integration.conftest import World


async def _hand_in(world: World, assignment: uuid.UUID, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        student = uuid.uuid4()
        await world.enroll(student, "student")
        response = await world.client.post(
            "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "t"},
            headers=world.as_student(student),
        )  # fmt: skip
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


async def _page(world: World, **params: Any) -> dict[str, Any]:
    response = await world.client.get("/submissions", params=params, headers=world.as_teacher())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_following_next_cursor_visits_every_submission_once(world: World) -> None:
    assignment = await world.assignment()
    handed_in = await _hand_in(world, assignment, 5)
    seen: list[str] = []
    page = await _page(world, assignment_id=str(assignment), limit=2)
    assert page["total"] == 5 and page["total_exact"] is True
    while True:
        seen += [item["id"] for item in page["items"]]
        if page["next_cursor"] is None:
            assert page["has_more"] is False
            break
        assert page["has_more"] is True and len(page["items"]) == 2
        page = await _page(
            world, assignment_id=str(assignment), limit=2, cursor=page["next_cursor"]
        )
    assert seen == handed_in
    by_offset = await _page(world, assignment_id=str(assignment), limit=2, offset=4)
    assert [i["id"] for i in by_offset["items"]] == handed_in[4:]


async def test_a_cursor_belongs_to_its_filters_and_cannot_be_edited(world: World) -> None:
    assignment = await world.assignment()
    await _hand_in(world, assignment, 3)
    first = await _page(world, assignment_id=str(assignment), limit=1)
    cursor = str(first["next_cursor"])
    other = await world.assignment()
    cases: tuple[dict[str, str | int], ...] = (
        {"assignment_id": str(assignment), "cursor": cursor, "state": "submitted"},
        {"assignment_id": str(assignment), "cursor": cursor, "late": "false"},
        {"assignment_id": str(other), "cursor": cursor},
        {
            "assignment_id": str(assignment),
            "cursor": cursor[:-2] + ("xy" if cursor[-2:] != "xy" else "ab"),
        },
        {"assignment_id": str(assignment), "cursor": "not-a-cursor"},
        {"assignment_id": str(assignment), "cursor": cursor, "offset": 1},
        {"cursor": cursor},  # the caller's own list is another list
    )
    for params in cases:
        response = await world.client.get("/submissions", params=params, headers=world.as_teacher())
        assert response.status_code == 400, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_students_own_list_pages_too(world: World) -> None:
    assignments = [await world.assignment() for _ in range(3)]
    for assignment in assignments:
        response = await world.client.post(
            "/submissions", json={"assignment_id": str(assignment), "kind": "text", "text": "t"},
            headers=world.as_student(),
        )  # fmt: skip
        assert response.status_code == 201
    first = (await world.client.get("/submissions?limit=2", headers=world.as_student())).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = (
        await world.client.get(
            "/submissions", params={"limit": 2, "cursor": first["next_cursor"]},
            headers=world.as_student(),
        )
    ).json()  # fmt: skip
    assert [i["assignment_id"] for i in first["items"] + rest["items"]] == [
        str(a) for a in assignments
    ]
    assert rest["next_cursor"] is None
