"""Notes through the real API: CRUD, filters, cursor pages that stay stable while notes are
added, and edits that never overwrite each other silently."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from lms.notes.config import NotesSettings
from lms_platform.testing.services import RunningService
from tests.notes.integration.conftest import headers_for

Service = RunningService[NotesSettings]


async def create(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> Any:
    response = await client.post("/notes", json={"title": "A note", **body}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_crud_round_trip_with_versions_and_etags(notes_service: Service) -> None:
    client, me = notes_service.client, headers_for(notes_service, uuid.uuid4())
    course, item = uuid.uuid4(), uuid.uuid4()
    created = await client.post(
        "/notes",
        json={"title": " Week 1 ", "body": "# Limits\n\n*epsilon*", "tags": ["Calc", "exam", "calc"],
              "link": {"kind": "content", "id": str(item), "course_id": str(course),
                       "anchor": {"quote": "a limit", "start": 10, "end": 17}}},
        headers=me,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    note = created.json()
    assert (note["title"], note["tags"], note["version"]) == ("Week 1", ["calc", "exam"], 1)
    assert note["link"]["anchor"]["quote"] == "a limit"
    assert created.headers["etag"] == '"1"'

    fetched = await client.get(f"/notes/{note['id']}", headers=me)
    assert fetched.status_code == 200
    assert fetched.json() == note

    replaced = await client.put(
        f"/notes/{note['id']}", json={"title": "Week 1 (revised)", "body": "new", "version": 1},
        headers=me,
    )  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    assert (replaced.json()["version"], replaced.json()["link"]) == (2, None)

    patched = await client.patch(
        f"/notes/{note['id']}", json={"pinned": True}, headers={**me, "If-Match": '"2"'}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["pinned"] is True
    assert patched.json()["body"] == "new"
    assert patched.headers["etag"] == '"3"'

    stale_delete = await client.delete(f"/notes/{note['id']}", headers={**me, "If-Match": '"2"'})
    assert stale_delete.status_code == 412
    deleted = await client.delete(f"/notes/{note['id']}", headers={**me, "If-Match": '"3"'})
    assert deleted.status_code == 204
    assert (await client.get(f"/notes/{note['id']}", headers=me)).status_code == 404


async def test_an_edit_without_a_version_is_428_and_a_stale_one_409_or_412(
    notes_service: Service,
) -> None:
    client, me = notes_service.client, headers_for(notes_service, uuid.uuid4())
    note = await create(client, me, body="v1")
    path = f"/notes/{note['id']}"
    assert (await client.patch(path, json={"body": "x"}, headers=me)).status_code == 428
    assert (
        await client.patch(path, json={"body": "v2", "version": 1}, headers=me)
    ).status_code == 200
    stale = await client.put(path, json={"title": "t", "body": "lost?", "version": 1}, headers=me)
    assert stale.status_code == 409
    assert stale.json()["extra"]["current_version"] == 2
    stale_header = await client.put(path, json={"title": "t"}, headers={**me, "If-Match": '"1"'})
    assert stale_header.status_code == 412
    assert stale_header.json()["extra"]["current_version"] == 2
    assert (await client.get(path, headers=me)).json()["body"] == "v2"


async def test_two_concurrent_edits_from_one_version_give_one_success_and_one_409(
    notes_service: Service,
) -> None:
    client, me = notes_service.client, headers_for(notes_service, uuid.uuid4())
    note = await create(client, me, body="base")
    path = f"/notes/{note['id']}"
    for round_ in range(3):
        version = (await client.get(path, headers=me)).json()["version"]
        bodies = [f"alice {round_}", f"bob {round_}"]
        answers = await asyncio.gather(
            *(client.patch(path, json={"body": b, "version": version}, headers=me) for b in bodies)
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 409], [a.text for a in answers]
        winner = next(a for a in answers if a.status_code == 200).json()
        loser = next(a for a in answers if a.status_code == 409).json()
        assert loser["extra"]["current_version"] == version + 1
        stored = (await client.get(path, headers=me)).json()
        assert stored["body"] == winner["body"]  # the loser's text was not written over it
        assert stored["version"] == version + 1


async def test_filters_and_sorting(notes_service: Service) -> None:
    client, me = notes_service.client, headers_for(notes_service, uuid.uuid4())
    course, other_course, assignment = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    a = await create(client, me, title="Banana", tags=["fruit"], body="Yellow CURVE",
                     link={"kind": "course", "id": str(course)})  # fmt: skip
    b = await create(client, me, title="apple", tags=["fruit", "red"],
                     link={"kind": "assignment", "id": str(assignment), "course_id": str(course)})  # fmt: skip
    c = await create(client, me, title="Cherry", tags=["red"], pinned=True,
                     link={"kind": "course", "id": str(other_course)})  # fmt: skip
    archived = await create(client, me, title="Old", archived=True)

    async def ids(**query: Any) -> list[str]:
        response = await client.get("/notes", params=query, headers=me)
        assert response.status_code == 200, response.text
        return [n["id"] for n in response.json()["items"]]

    assert await ids(tag="FRUIT", sort="title") == [b["id"], a["id"]]
    assert await ids(course_id=str(course), sort="title") == [b["id"], a["id"]]
    assert await ids(linked_kind="assignment", linked_id=str(assignment)) == [b["id"]]
    assert await ids(q="curve") == [a["id"]]
    assert await ids(pinned="true") == [c["id"]]
    assert await ids(sort="-title") == [c["id"], a["id"], b["id"]]
    assert await ids(sort="created_at") == [a["id"], b["id"], c["id"]]
    assert await ids(archived="true") == [archived["id"]]
    assert await ids(q="a.c") == []  # the text is a literal, not a pattern


async def test_pages_stay_stable_while_notes_are_added(notes_service: Service) -> None:
    client, me = notes_service.client, headers_for(notes_service, uuid.uuid4())
    for i in range(7):
        await create(client, me, title=f"n{i}")
    added = 0
    for sort in ("-updated_at", "created_at"):
        everything = await client.get("/notes", params={"limit": 100, "sort": sort}, headers=me)
        before = [n["id"] for n in everything.json()["items"]]
        seen: list[str] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 3, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/notes", params=params, headers=me)).json()
            seen += [n["id"] for n in page["items"]]
            # Someone writes between the pages: nothing repeats, nothing listed before moves.
            await create(client, me, title=f"added {added}")
            added += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(seen) == len(set(seen))
        if sort == "-updated_at":
            assert seen == before  # the new notes sort before the first page: never seen here
        else:
            assert seen[: len(before)] == before  # the new ones come after, in order
            assert len(seen) > len(before)


async def test_a_cursor_of_another_sort_or_filter_or_tampered_is_refused(
    notes_service: Service,
) -> None:
    """The platform's cursor: checksummed and bound to the sort and every filter, so a cursor
    carried over to another list, or edited, is a 400 problem naming ``cursor``."""
    client, me = notes_service.client, headers_for(notes_service, uuid.uuid4())
    for _ in range(3):
        await create(client, me)
    page = (await client.get("/notes", params={"limit": 1}, headers=me)).json()
    cursor = page["next_cursor"]
    assert cursor is not None
    following = await client.get("/notes", params={"limit": 1, "cursor": cursor}, headers=me)
    assert following.status_code == 200, following.text
    assert following.json()["items"] != page["items"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for params in (
        {"limit": 1, "sort": "title", "cursor": cursor},
        {"limit": 1, "scope": "mine", "cursor": cursor},
        {"limit": 1, "pinned": "true", "cursor": cursor},
        {"limit": 1, "cursor": tampered},
        {"cursor": "not-a-cursor"},
    ):
        refused = await client.get("/notes", params=params, headers=me)
        assert refused.status_code == 400, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "cursor" in refused.text, refused.text
