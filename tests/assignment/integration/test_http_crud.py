"""Assignments through the real API: create, read, replace, change, publish and delete, with
versions as ETags; dates that must stay in order; what a student sees."""

from __future__ import annotations

import uuid

from tests.assignment.integration.conftest import AssignmentApi

DUE = "2026-10-08T23:59:00+00:00"
LOCK = "2026-10-10T23:59:00+00:00"


async def test_create_read_replace_patch_delete(api: AssignmentApi) -> None:
    created = await api.create(
        title="Essay 1",
        description="Five pages on the history of computing.",
        unlock_at="2026-10-01T09:00:00+02:00",
        due_at=DUE,
        lock_at=LOCK,
        points_possible=25.5,
        grading_type="letter_grade",
        submission_types=["file", "text"],
        file_rules={"allowed_extensions": [".PDF", "docx"], "max_file_bytes": 10_000_000},
        allowed_attempts=3,
        anonymous_grading=True,
        grade_posting="manual",
        section_ids=[str(api.cast.section_a)],
    )
    assert created["unlock_at"] == "2026-10-01T07:00:00Z"
    assert created["file_rules"] == {
        "allowed_extensions": ["docx", "pdf"],
        "max_file_bytes": 10_000_000,
        "multiple_files": False,
    }
    assert created["submission_types"] == ["file", "text"]
    assert created["points_possible"] == 25.5 and created["version"] == 1
    path = f"/assignments/{created['id']}"

    read = await api.client.get(path, headers=api.as_("instructor"))
    assert read.status_code == 200 and read.headers["etag"] == '"1"'
    assert read.json() == created

    patched = await api.client.patch(
        path,
        json={"title": "Essay one", "due_at": None},
        headers={**api.as_("instructor"), "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "Essay one" and patched.json()["due_at"] is None
    assert patched.headers["etag"] == '"2"'

    stale = await api.client.patch(
        path, json={"title": "x"}, headers={**api.as_("instructor"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412 and stale.json()["code"] == "precondition_failed"

    replaced = await api.client.put(
        path, json={"title": "Essay I", "points_possible": 10}, headers=api.as_("instructor")
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["description"] == "" and body["file_rules"]["allowed_extensions"] == []
    assert body["status"] == "published" and body["version"] == 3  # status kept when omitted

    deleted = await api.client.delete(path, headers=api.as_("instructor"))
    assert deleted.status_code == 204
    assert (await api.client.get(path, headers=api.as_("instructor"))).status_code == 404
    assert await api.service.scalar("SELECT deleted_at IS NOT NULL FROM assignments") is True


async def test_due_after_lock_is_refused_and_writes_nothing(api: AssignmentApi) -> None:
    before = await api.row_counts()
    response = await api.client.post(
        "/assignments",
        json={
            "course_id": str(api.cast.course_id),
            "title": "Late lock",
            "due_at": LOCK,
            "lock_at": DUE,
        },
        headers=api.as_("instructor"),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["code"] == "invalid_input" and problem["extra"]["field"] == "lock_at"
    assert "due_at must not be after lock_at" in problem["detail"]
    assert await api.row_counts() == before

    created = await api.create(due_at=DUE, lock_at=LOCK)
    moved = await api.client.patch(
        f"/assignments/{created['id']}",
        json={"lock_at": "2026-10-01T00:00:00Z"},
        headers=api.as_("instructor"),
    )
    assert moved.status_code == 422
    after = await api.row_counts()
    assert await api.row_counts() == after
    assert await api.service.scalar("SELECT version FROM assignments") == 1


async def test_publishing_a_draft(api: AssignmentApi) -> None:
    draft = await api.create(status="draft")
    path = f"/assignments/{draft['id']}"
    assert (await api.client.get(path, headers=api.as_("student"))).status_code == 404
    published = await api.client.patch(
        path, json={"status": "published"}, headers=api.as_("instructor")
    )
    assert published.status_code == 200 and published.json()["published_at"] is not None
    seen = await api.client.get(path, headers=api.as_("student"))
    assert seen.status_code == 200 and seen.json()["date_sources"]["due_at"] == "assignment"


async def test_students_see_only_their_sections_and_after_unlock(api: AssignmentApi) -> None:
    for_b = await api.create(section_ids=[str(api.cast.section_b)])
    later = await api.create(unlock_at="2999-01-01T00:00:00Z")
    announced = await api.create(
        unlock_at="2999-01-01T00:00:00Z", announce_before_unlock=True, description="secret"
    )
    student = api.as_("student")
    assert (await api.client.get(f"/assignments/{for_b['id']}", headers=student)).status_code == 404
    other = api.as_("other_section")
    assert (await api.client.get(f"/assignments/{for_b['id']}", headers=other)).status_code == 200
    assert (await api.client.get(f"/assignments/{later['id']}", headers=student)).status_code == 404
    early = await api.client.get(f"/assignments/{announced['id']}", headers=student)
    assert early.status_code == 200
    assert early.json()["details_hidden"] is True
    assert early.json()["description"] is None and early.json()["file_rules"] is None
    staff = await api.client.get(f"/assignments/{announced['id']}", headers=api.as_("ta"))
    assert staff.json()["description"] == "secret" and staff.json()["details_hidden"] is False


async def test_an_unknown_assignment_is_a_404_problem(api: AssignmentApi) -> None:
    response = await api.client.get(f"/assignments/{uuid.uuid4()}", headers=api.as_("instructor"))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
