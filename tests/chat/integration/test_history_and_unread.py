"""History over REST around an anchor, unread counts after reads, edits and deletes, and
direct and group conversations."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lms.chat.domain.rooms import course_room_id, section_room_id
from tests.chat.integration.conftest import ChatCluster, Enrollments


@pytest.fixture
async def course(enrollments: Enrollments, college: str) -> dict[str, uuid.UUID]:
    ids = {name: uuid.uuid4() for name in ("course", "section", "ada", "bob")}
    for user in ("ada", "bob"):
        await enrollments.put(college, ids[user], ids["course"], ids["section"])
    return ids


async def post(chat: ChatCluster, user: uuid.UUID, college: str, room: str, body: str) -> dict:
    async with chat.api(user, college) as api:
        response = await api.client.post(f"/rooms/{room}/messages", json={"body": body})
        assert response.status_code == 201, response.text
        return dict(response.json()["message"])


async def test_my_rooms_list_the_course_and_section_rooms_with_unread_counts(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    section = str(section_room_id(college, course["section"]))
    sent = [await post(chat, course["bob"], college, section, f"b{i}") for i in range(4)]
    await post(chat, course["ada"], college, section, "mine")  # my own never count
    async with chat.api(course["ada"], college) as ada:
        rooms = {r["id"]: r for r in await ada.rooms()}
        assert set(rooms) == {section, str(course_room_id(college, course["course"]))}
        assert rooms[section]["unread"] == 4 and rooms[section]["last_message"]["body"] == "mine"
        read = await ada.client.post(f"/rooms/{section}/read", json={"seq": sent[1]["seq"]})
        assert read.status_code == 200 and read.json() == {"read_seq": 2}
        assert (await ada.room(section))["unread"] == 2
        # A marker never moves back.
        await ada.client.post(f"/rooms/{section}/read", json={"seq": 1})
        assert (await ada.room(section))["unread"] == 2
        async with chat.api(course["bob"], college) as bob:
            edited = await bob.client.patch(f"/messages/{sent[2]['id']}", json={"body": "b2!"})
            assert edited.status_code == 200 and edited.json()["edited_at"]
            assert (await ada.room(section))["unread"] == 2  # an edit is not a new message
            deleted = await bob.client.delete(f"/messages/{sent[3]['id']}")
            assert deleted.status_code == 204
        assert (await ada.room(section))["unread"] == 1  # a deleted message is not unread
        assert (await ada.room(section))["last_message"]["body"] == "mine"
        await ada.client.post(f"/rooms/{section}/read", json={"seq": 1000})  # clamped to last
        summary = await ada.room(section)
        assert (summary["unread"], summary["read_seq"]) == (0, 5)


async def test_history_pages_before_after_and_around_with_both_ends(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID]
) -> None:
    room = str(course_room_id(college, course["course"]))
    async with chat.api(course["ada"], college) as api:
        await api.rooms()  # the rooms exist from the enrollment on; listing is harmless
        for i in range(1, 11):
            await post(chat, course["ada"], college, room, f"m{i}")

        async def page(**params: Any) -> tuple[list[int], bool, bool]:
            response = await api.client.get(f"/rooms/{room}/messages", params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            return [m["seq"] for m in body["messages"]], body["reached_start"], body["reached_end"]

        assert await page(limit=3) == ([8, 9, 10], False, True)
        assert await page(direction="before", anchor=8, limit=3) == ([5, 6, 7], False, False)
        assert await page(direction="before", anchor=3, limit=5) == ([1, 2], True, False)
        assert await page(direction="after", anchor=7, limit=5) == ([8, 9, 10], False, True)
        assert await page(direction="after", anchor=0, limit=2) == ([1, 2], True, False)
        assert await page(direction="around", anchor=5, limit=3) == ([4, 5, 6], False, False)
        assert await page(direction="around", anchor=1, limit=5) == ([1, 2, 3], True, False)
        assert await page(limit=50) == (list(range(1, 11)), True, True)


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 201}, {"anchor": -1}, {"direction": "sideways"}, {"anchor": "x"}],
)
async def test_bad_history_queries_are_problems(
    chat: ChatCluster, college: str, course: dict[str, uuid.UUID], params: dict[str, Any]
) -> None:
    room = str(course_room_id(college, course["course"]))
    async with chat.api(course["ada"], college) as api:
        response = await api.client.get(f"/rooms/{room}/messages", params=params)
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_direct_and_group_rooms_admit_their_members_only(
    chat: ChatCluster, college: str, other_college: str, course: dict[str, uuid.UUID]
) -> None:
    eve = uuid.uuid4()
    async with chat.api(course["ada"], college) as ada:
        created = await ada.client.post(
            "/rooms", json={"kind": "direct", "member_id": str(course["bob"])}
        )
        assert created.status_code == 201, created.text
        room = created.json()["id"]
        assert any(r["id"] == room for r in await ada.rooms())
        bad = await ada.client.post(
            "/rooms", json={"kind": "direct", "member_id": str(course["ada"])}
        )
        assert bad.status_code == 422  # a direct room with oneself
        group = await ada.client.post(
            "/rooms", json={"kind": "group", "member_ids": [str(course["bob"])], "title": "us"}
        )
        assert group.status_code == 201 and group.json()["kind"] == "group"
    await post(chat, course["bob"], college, room, "hi ada")
    async with chat.api(eve, college) as outsider:
        assert (await outsider.client.get(f"/rooms/{room}/messages")).status_code == 403
        response = await outsider.client.post(f"/rooms/{room}/messages", json={"body": "x"})
        assert response.status_code == 403
    async with chat.api(course["bob"], other_college) as foreign:
        assert (await foreign.client.get(f"/rooms/{room}/messages")).status_code == 404
    assert (
        await chat.scalar("SELECT count(*) FROM chat_messages WHERE room_id = $1", uuid.UUID(room))
        == 1
    )
