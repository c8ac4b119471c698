"""A section's capacity holds under concurrent enrollment (the section row is locked for the
decision, and a unique index backs one live enrollment per user and section)."""

from __future__ import annotations

import asyncio
import json
import uuid

from tests.course.integration.conftest import CourseApi


async def _race(api: CourseApi, section_id: str, users: list[str]) -> list[int]:
    headers = api.admin()

    async def enroll(user_id: str) -> int:
        response = await api.client.post(
            f"/sections/{section_id}/enrollments", json={"user_id": user_id}, headers=headers
        )
        return int(response.status_code)

    return await asyncio.gather(*(enroll(u) for u in users))


async def test_twenty_concurrent_enrollments_for_five_seats_activate_exactly_five(
    api: CourseApi,
) -> None:
    course = await api.create_course()
    section = await api.create_section(course["id"], capacity=5)
    users = [await api.add_user() for _ in range(20)]
    statuses = await _race(api, section["id"], users)
    assert sorted(statuses) == [201] * 5 + [409] * 15
    active = await api.service.scalar(
        "SELECT count(*) FROM enrollments WHERE section_id = $1 AND state = 'active'",
        uuid.UUID(section["id"]),
    )
    assert active == 5
    assert await api.count("enrollments") == 5
    assert (
        await api.service.scalar(
            "SELECT count(*) FROM outbox WHERE event_type = 'enrollment.created'"
        )
        == 5
    )


async def test_with_a_waitlist_the_rest_wait_and_a_drop_promotes_the_first(api: CourseApi) -> None:
    course = await api.create_course()
    section = await api.create_section(course["id"], capacity=5, waitlist=True)
    users = [await api.add_user() for _ in range(20)]
    statuses = await _race(api, section["id"], users)
    assert statuses == [201] * 20
    rows = await api.service.scalar(
        "SELECT json_object_agg(state, n)::text FROM (SELECT state, count(*) n FROM enrollments "
        "WHERE section_id = $1 GROUP BY state) s",
        uuid.UUID(section["id"]),
    )
    states = json.loads(rows)
    assert states == {"active": 5, "waitlisted": 15}

    roster = await api.client.get(
        f"/sections/{section['id']}/enrollments?state=active", headers=api.admin()
    )
    leaving = roster.json()["items"][0]
    first_waiting = (
        await api.client.get(
            f"/sections/{section['id']}/enrollments?state=waitlisted&limit=1", headers=api.admin()
        )
    ).json()["items"][0]
    dropped = await api.client.post(f"/enrollments/{leaving['id']}/drop", headers=api.admin())
    assert dropped.status_code == 200 and dropped.json()["state"] == "dropped"
    promoted = await api.service.scalar(
        "SELECT state FROM enrollments WHERE id = $1", uuid.UUID(first_waiting["id"])
    )
    assert promoted == "active"
    assert (
        await api.service.scalar(
            "SELECT count(*) FROM enrollments WHERE section_id = $1 AND state = 'active'",
            uuid.UUID(section["id"]),
        )
        == 5
    )


async def test_the_same_user_twice_at_once_is_enrolled_once(api: CourseApi) -> None:
    course = await api.create_course()
    section = await api.create_section(course["id"])
    user = await api.add_user()
    statuses = await _race(api, section["id"], [user] * 5)
    assert sorted(statuses) == [201] + [409] * 4
    assert await api.count("enrollments") == 1


async def test_staff_take_no_seats(api: CourseApi) -> None:
    course = await api.create_course()
    section = await api.create_section(course["id"], capacity=1)
    await api.enroll(section["id"], await api.add_user())
    await api.enroll(section["id"], await api.add_user(), "instructor")
    full = await api.client.post(
        f"/sections/{section['id']}/enrollments",
        json={"user_id": await api.add_user()},
        headers=api.admin(),
    )
    assert full.status_code == 409 and full.json()["code"] == "section_full"


async def test_capacity_below_the_seats_taken_is_a_conflict_and_writes_nothing(
    api: CourseApi,
) -> None:
    course = await api.create_course()
    section = await api.create_section(course["id"], capacity=5)
    for _ in range(3):
        await api.enroll(section["id"], await api.add_user())
    before = await api.row_counts()
    lowered = await api.client.patch(
        f"/sections/{section['id']}", json={"capacity": 2}, headers=api.admin()
    )
    assert lowered.status_code == 409, lowered.text
    assert lowered.json()["extra"] == {"seats_taken": 3}
    assert await api.row_counts() == before
    exact = await api.client.patch(
        f"/sections/{section['id']}", json={"capacity": 3}, headers=api.admin()
    )
    assert exact.status_code == 200 and exact.json()["capacity"] == 3
