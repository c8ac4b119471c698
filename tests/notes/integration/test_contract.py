"""The notes API's contract: schemathesis, with every check, against the real running service.

Any finding fails this test (docs/api-contract.md). The caller owns notes, some shared with
them, so reads and writes reach real documents. Statuses beyond schemathesis' lists, each with
its reason: a stale If-Match is a 412 for any request (the state); an edit that names no
version (neither If-Match nor ``version``) is a 428, which no schema can say of a header and a
body field together; and the 422s of rules the schema cannot state (below).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from motor.motor_asyncio import AsyncIOMotorDatabase

from lms.notes.config import NotesSettings
from lms_platform.testing.contract import Allowance, ExplicitCase, run_contract
from lms_platform.testing.services import RunningService
from tests.notes.integration.conftest import headers_for, seed_user

MAX_EXAMPLES = 25
ALLOWANCES = (
    Allowance(
        "positive_data_acceptance",
        (422, 428),
        r"^(PUT|PATCH) /notes/[{]note_id[}]$",
        "the body's limit is in UTF-8 bytes, an anchor's start comes before its end, a title "
        "is not blank; and an edit names its version in If-Match or in the body",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /notes/?$",
        "the body's limit in UTF-8 bytes, an anchor's start before its end, a title not blank",
    ),
    Allowance(
        "positive_data_acceptance",
        (422,),
        r"^POST /notes/[{]note_id[}]/share$",
        "the target must be a user of the caller's college, or a section or course the caller "
        "belongs to; a section or course share is read only",
    ),
    Allowance(
        "positive_data_acceptance",
        (400, 422),
        r"^GET /notes/?$",
        "a cursor is opaque: only one this API returned is valid (400), and only with the sort "
        "it came from (422); q is not blank",
    ),
)
EXPLICIT = (
    ExplicitCase("GET", "/notes", query={"cursor": "garbage"}, expect={400},
                 why="a cursor this API never returned is a 400, never a 500"),  # fmt: skip
    ExplicitCase("GET", "/notes/{note_id}", path_parameters={"note_id": str(uuid.uuid4())},
                 expect={404}, why="no such note"),  # fmt: skip
)


async def test_the_contract_holds_for_a_student_with_notes(
    notes_service: RunningService[NotesSettings], notes_db: AsyncIOMotorDatabase, tmp_path: Path
) -> None:
    me_id, friend_id = uuid.uuid4(), uuid.uuid4()
    await seed_user(notes_db, friend_id)
    await seed_user(notes_db, me_id)
    me, friend = headers_for(notes_service, me_id), headers_for(notes_service, friend_id)
    client = notes_service.client
    for n in range(3):
        await client.post("/notes", json={"title": f"mine {n}", "tags": ["t"]}, headers=me)
    theirs = (await client.post("/notes", json={"title": "theirs"}, headers=friend)).json()
    await client.post(f"/notes/{theirs['id']}/share",
                      json={"kind": "user", "target_id": str(me_id)}, headers=friend)  # fmt: skip
    result = await run_contract(
        str(client.base_url),
        headers=me,
        report_dir=tmp_path,
        max_examples=MAX_EXAMPLES,
        state_statuses=(412,),
        allowances=ALLOWANCES,
        explicit=EXPLICIT,
    )
    result.assert_passed()
