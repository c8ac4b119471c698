"""One walk through the main flow: a course, a section, enrollments, my courses, a roster."""

from __future__ import annotations

from tests.course.integration.conftest import CourseApi


async def test_course_section_enrollment_and_my_courses(api: CourseApi) -> None:
    course = await api.create_course()
    await api.publish(course["id"])
    section = await api.create_section(course["id"], capacity=30)
    student = await api.add_user()
    enrollment = await api.enroll(section["id"], student)
    assert enrollment["state"] == "active"

    mine = await api.client.get("/me/courses", headers=api.token(student))
    assert mine.status_code == 200, mine.text
    [entry] = mine.json()["items"]
    assert entry["course"]["id"] == course["id"]
    assert entry["roles"] == ["student"]
    assert entry["sections"][0]["section"]["id"] == section["id"]

    roster = await api.client.get(f"/sections/{section['id']}/enrollments", headers=api.admin())
    assert roster.status_code == 200, roster.text
    assert roster.json()["total"] == 1
    refused = await api.client.get(
        f"/sections/{section['id']}/enrollments", headers=api.token(student)
    )
    assert refused.status_code == 403
