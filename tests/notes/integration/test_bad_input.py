"""Bad input gets a 4xx problem and writes nothing: every collection the service writes has as
many documents after the request as before."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms.notes.domain.notes import BODY_MAX_BYTES
from lms_platform.testing.services import RunningService
from tests.notes.integration.conftest import OTHER_COLLEGE, count_all, headers_for, seed_user

Service = RunningService[NotesSettings]

CREATE_CASES: list[tuple[str, Any, int]] = [
    ("oversize body, in characters", {"title": "t", "body": "x" * (BODY_MAX_BYTES + 1)}, 400),
    ("oversize body, in UTF-8 bytes", {"title": "t", "body": "€" * (BODY_MAX_BYTES // 2)}, 422),
    ("oversize request", {"title": "t", "body": "x" * 600_000}, 413),
    ("unknown field", {"title": "t", "colour": "red"}, 400),
    ("unknown nested field", {"title": "t", "link": {"kind": "course", "id": str(uuid.uuid4()), "x": 1}}, 400),
    ("blank title", {"title": "   "}, 422),
    ("no title", {"body": "b"}, 400),
    ("mistyped tags", {"title": "t", "tags": "a,b"}, 400),
    ("a tag with a space", {"title": "t", "tags": ["two words"]}, 400),
    ("too many tags", {"title": "t", "tags": [f"t{i}" for i in range(21)]}, 400),
    ("a malformed link id", {"title": "t", "link": {"kind": "course", "id": "nope"}}, 400),
    ("an unknown link kind", {"title": "t", "link": {"kind": "planet", "id": str(uuid.uuid4())}}, 400),
    ("an anchor ending before it starts",
     {"title": "t", "link": {"kind": "content", "id": str(uuid.uuid4()),
                             "anchor": {"quote": "q", "start": 9, "end": 3}}}, 422),
    ("not JSON", "{", 400),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "status"), CREATE_CASES, ids=[c[0] for c in CREATE_CASES])
async def test_a_bad_note_is_refused_and_nothing_is_written(
    notes_service: Service, notes_db: AsyncIOMotorDatabase, case: str, body: Any, status: int
) -> None:
    me = headers_for(notes_service, uuid.uuid4())
    before = await count_all(notes_db)
    if isinstance(body, str):
        response = await notes_service.client.post(
            "/notes", content=body, headers={**me, "Content-Type": "application/json"}
        )
    else:
        response = await notes_service.client.post("/notes", json=body, headers=me)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await count_all(notes_db) == before


async def test_refused_shares_and_edits_write_nothing(
    notes_service: Service, notes_db: AsyncIOMotorDatabase
) -> None:
    client = notes_service.client
    owner_id, classmate_id, foreigner_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await seed_user(notes_db, classmate_id)
    await seed_user(notes_db, owner_id)
    await seed_user(notes_db, foreigner_id, OTHER_COLLEGE)
    owner, classmate = headers_for(notes_service, owner_id), headers_for(
        notes_service, classmate_id
    )
    note = (
        await client.post("/notes", json={"title": "Mine", "body": "kept"}, headers=owner)
    ).json()
    theirs = (await client.post("/notes", json={"title": "Theirs"}, headers=classmate)).json()
    shared = await client.post(f"/notes/{theirs['id']}/share",
                               json={"kind": "user", "target_id": str(owner_id)}, headers=classmate)  # fmt: skip
    assert shared.status_code == 201, shared.text
    path = f"/notes/{note['id']}"
    cases: list[tuple[str, str, str, Any, dict[str, str], int]] = [
        ("a user of another college", "POST", f"{path}/share",
         {"kind": "user", "target_id": str(foreigner_id)}, owner, 422),
        ("a user nobody knows", "POST", f"{path}/share",
         {"kind": "user", "target_id": str(uuid.uuid4())}, owner, 422),
        ("oneself", "POST", f"{path}/share", {"kind": "user", "target_id": str(owner_id)}, owner, 422),
        ("a note you do not own but can read", "POST", f"/notes/{theirs['id']}/share",
         {"kind": "user", "target_id": str(classmate_id)}, owner, 403),
        ("a note you cannot see", "POST", f"{path}/share",
         {"kind": "user", "target_id": str(owner_id)}, classmate, 404),
        ("a section share to edit", "POST", f"{path}/share",
         {"kind": "section", "target_id": str(uuid.uuid4()), "permission": "edit"}, owner, 422),
        ("an unknown share kind", "POST", f"{path}/share",
         {"kind": "planet", "target_id": str(uuid.uuid4())}, owner, 400),
        ("a malformed note id", "GET", "/notes/not-a-uuid", None, owner, 404),
        ("a malformed note id on edit", "PATCH", "/notes/not-a-uuid", {"version": 1}, owner, 404),
        ("a malformed share id", "DELETE", f"{path}/shares/12", None, owner, 404),
        ("an unknown field on edit", "PATCH", path, {"version": 1, "color": "x"}, owner, 400),
        ("a mistyped version", "PATCH", path, {"version": "one", "body": "x"}, owner, 400),
        ("a garbage If-Match", "PATCH", path, {"body": "x"}, {**owner, "If-Match": "yesterday"}, 412),
        ("a blank title on edit", "PUT", path, {"title": " ", "version": 1}, owner, 422),
        ("a limit out of range", "GET", "/notes?limit=1000", None, owner, 400),
    ]  # fmt: skip
    for case, method, url, body, headers, status in cases:
        before = await count_all(notes_db)
        before_doc = await notes_db["notes"].find_one({"_id": note["id"]})
        assert before_doc is not None
        shares_before = before_doc["shares"]
        response = await client.request(method, url, json=body, headers=headers)
        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), case
        assert await count_all(notes_db) == before, case
        stored = await notes_db["notes"].find_one({"_id": note["id"]})
        assert stored is not None
        assert (stored["shares"], stored["version"], stored["body"]) == (
            shares_before,
            1,
            "kept",
        ), case
