"""Every illegal course status change and enrollment state change is refused with a 409 that
says why, and writes nothing; deleting a course follows its rule."""

from __future__ import annotations

import itertools
import uuid

from lms.course.domain.courses import TRANSITIONS, CourseStatus
from lms.course.domain.enrollments import STATE_TRANSITIONS, EnrollmentState
from tests.course.integration.conftest import CourseApi

# A path of legal changes from draft to each status, to set a course up.
PATH_TO = {
    CourseStatus.DRAFT: [],
    CourseStatus.PUBLISHED: ["published"],
    CourseStatus.CONCLUDED: ["published", "concluded"],
    CourseStatus.ARCHIVED: ["archived"],
}
ENROLLMENT_PATH_TO = {
    EnrollmentState.ACTIVE: [],
    EnrollmentState.COMPLETED: ["completed"],
    EnrollmentState.DROPPED: ["dropped"],
}


async def test_every_illegal_course_status_change_is_refused_and_writes_nothing(
    api: CourseApi,
) -> None:
    admin = api.admin()
    refused = 0
    for start, target in itertools.permutations(CourseStatus, 2):
        if target in TRANSITIONS[start]:
            continue
        course = await api.create_course(code=f"C-{uuid.uuid4().hex[:8]}")
        for step in PATH_TO[start]:
            moved = await api.client.patch(
                f"/courses/{course['id']}", json={"status": step}, headers=admin
            )
            assert moved.status_code == 200, moved.text
        before = await api.row_counts()
        response = await api.client.patch(
            f"/courses/{course['id']}",
            json={"status": target.value, "title": "Also this"},
            headers=admin,
        )
        assert response.status_code == 409, f"{start}->{target}: {response.text}"
        problem = response.json()
        assert problem["code"] == "illegal_transition" and problem["detail"]
        assert problem["extra"]["from"] == start.value and problem["extra"]["to"] == target.value
        assert await api.row_counts() == before, f"{start}->{target} wrote something"
        current = await api.client.get(f"/courses/{course['id']}", headers=admin)
        assert current.json()["status"] == start.value and current.json()["title"] == "Intro to CS"
        refused += 1
    assert refused == 6


async def test_every_illegal_enrollment_state_change_is_refused_and_writes_nothing(
    api: CourseApi,
) -> None:
    admin = api.admin()
    course = await api.create_course()
    section = await api.create_section(course["id"])
    refused = 0
    for start, target in itertools.permutations(ENROLLMENT_PATH_TO, 2):
        if target in STATE_TRANSITIONS[start]:
            continue
        enrollment = await api.enroll(section["id"], await api.add_user())
        for step in ENROLLMENT_PATH_TO[start]:
            moved = await api.client.patch(
                f"/enrollments/{enrollment['id']}", json={"state": step}, headers=admin
            )
            assert moved.status_code == 200, moved.text
        before = await api.row_counts()
        response = await api.client.patch(
            f"/enrollments/{enrollment['id']}", json={"state": target.value}, headers=admin
        )
        assert response.status_code == 409, f"{start}->{target}: {response.text}"
        assert response.json()["code"] == "illegal_transition"
        assert await api.row_counts() == before
        refused += 1
    # completed -> active, completed -> dropped and dropped -> completed (invited and waitlisted
    # are covered by the unit tests)
    assert refused == 3


async def test_status_events_follow_the_machine(api: CourseApi) -> None:
    course = await api.create_course()
    for status in ("published", "concluded", "archived"):
        response = await api.client.patch(
            f"/courses/{course['id']}", json={"status": status}, headers=api.admin()
        )
        assert response.status_code == 200
    types = await api.service.scalar("SELECT string_agg(event_type, ',' ORDER BY id) FROM outbox")
    assert types.split(",") == [
        "course.created",
        "course.published",
        "course.concluded",
        "course.archived",
    ]


async def test_delete_is_refused_while_enrolled_and_allowed_once_archived(api: CourseApi) -> None:
    admin = api.admin()
    course = await api.create_course()
    await api.publish(course["id"])
    section = await api.create_section(course["id"])
    enrollment = await api.enroll(section["id"], await api.add_user())
    before = await api.row_counts()
    refused = await api.client.delete(f"/courses/{course['id']}", headers=admin)
    assert refused.status_code == 409 and refused.json()["extra"]["active_enrollments"] == 1
    assert await api.row_counts() == before
    archived = await api.client.patch(
        f"/courses/{course['id']}", json={"status": "archived"}, headers=admin
    )
    assert archived.status_code == 200
    deleted = await api.client.delete(f"/courses/{course['id']}", headers=admin)
    assert deleted.status_code == 204, deleted.text
    assert (await api.client.get(f"/courses/{course['id']}", headers=admin)).status_code == 404
    tombstone = await api.service.scalar(
        "SELECT deleted_at IS NOT NULL FROM enrollments WHERE id = $1", uuid.UUID(enrollment["id"])
    )
    assert tombstone is True
    types = await api.service.scalar("SELECT string_agg(event_type, ',' ORDER BY id) FROM outbox")
    assert types.split(",")[-3:] == ["enrollment.deleted", "section.deleted", "course.deleted"]
    # The code is free again.
    again = await api.client.post(
        "/courses", json={"code": course["code"], "title": "Again"}, headers=admin
    )
    assert again.status_code == 201


async def test_a_taken_course_code_is_a_conflict(api: CourseApi) -> None:
    await api.create_course("DUP1")
    before = await api.row_counts()
    response = await api.client.post(
        "/courses", json={"code": "DUP1", "title": "x"}, headers=api.admin()
    )
    assert response.status_code == 409
    assert await api.row_counts() == before


async def test_if_match_applies_a_change_to_its_version_only(api: CourseApi) -> None:
    course = await api.create_course()
    read = await api.client.get(f"/courses/{course['id']}", headers=api.admin())
    etag = read.headers["etag"]
    assert etag == f'"{course["version"]}"'
    before = await api.row_counts()
    for stale in (f'"{course["version"] + 1}"', "garbage", '"1', "W/x"):
        refused = await api.client.patch(
            f"/courses/{course['id']}",
            json={"title": "New"},
            headers={**api.admin(), "If-Match": stale},
        )
        assert refused.status_code == 412, (stale, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert await api.row_counts() == before
    for form in ("{}", "W/{}", "*"):  # the current ETag, weak or strong, or any version
        matching = form.format(etag)
        changed = await api.client.patch(
            f"/courses/{course['id']}", json={"title": f"By {matching}"},
            headers={**api.admin(), "If-Match": matching},
        )  # fmt: skip
        assert changed.status_code == 200, (matching, changed.text)
        etag = changed.headers["etag"]
        assert etag == f'"{changed.json()["version"]}"'
