"""The ``explain()`` plan of every query the notes service makes, on the MongoDB-protocol test
server with the service's indexes and a few thousand notes (docs/services/notes.md, "Indexes").

    PYTHONPATH=src/python:src/python/platform python benchmarks/notes/explain.py
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from motor.motor_asyncio import AsyncIOMotorClient

from lms.notes.adapters.persistence.indexes import ensure_indexes
from lms.notes.adapters.persistence.documents import NoteDocument, sort_key
from lms.notes.adapters.persistence.queries import SORT_KEYS, list_query
from lms.notes.application.ports import NoteFilter, Scope, Sort
from lms.notes.domain.notes import Viewer
from lms_platform.testing.mongo import MongoServer

TENANT = "college-a"


def stages(plan: dict[str, Any]) -> list[str]:
    """The winning plan's stages, outermost first, with the index each scan used."""
    found, node = [], plan
    while node:
        label = node.get("stage", "?")
        if "indexName" in node:
            label += f"({node['indexName']})"
        found.append(label)
        children = node.get("inputStages") or ([node["inputStage"]] if "inputStage" in node else [])
        if len(children) > 1:
            found.append("[" + " | ".join(" > ".join(stages(c)) for c in children) + "]")
            break
        node = children[0] if children else None
    return found


async def main() -> None:
    server = MongoServer().start()
    client: AsyncIOMotorClient = AsyncIOMotorClient(server.url, tz_aware=True)
    db = client["explain"]
    try:
        await ensure_indexes(db)
        me, section = uuid.uuid4(), uuid.uuid4()
        now = datetime.now(UTC)
        docs = []
        for i in range(3000):
            owner = me if i % 3 == 0 else uuid.uuid4()
            targets = [f"section:{section}"] if i % 10 == 1 else []
            at = now - timedelta(seconds=i)
            note_id = str(uuid.uuid4())
            docs.append({"_id": note_id, "tenant_id": TENANT, "owner_id": str(owner),
                         "title": f"n{i}", "body": "", "tags": ["t"], "link_id": None,
                         "link_course_id": None, "pinned": False, "archived": False,
                         "updated_at": at, "created_at": at, "version": 1, "shares": [],
                         "readers": [f"owner:{owner}", *targets],
                         "k_updated": sort_key(at, note_id), "k_created": sort_key(at, note_id),
                         "k_title": sort_key(f"n{i}", note_id)})  # fmt: skip
        await db.notes.insert_many(docs)
        assert set(docs[0]) - {"_id"} <= set(NoteDocument.model_fields) | {"readers"}
        viewer = Viewer(user_id=me, tenant_id=TENANT, sections=frozenset({section}))
        middle = docs[1500]["k_updated"]
        sorted_by = {"k_updated": -1}
        queries = {
            "GET /notes (all, newest first)": (list_query(viewer, NoteFilter()), sorted_by),
            "GET /notes, the next page": (
                {**list_query(viewer, NoteFilter()), "k_updated": {"$lt": middle}}, sorted_by),
            "GET /notes?scope=mine": (list_query(viewer, NoteFilter(scope=Scope.MINE)), sorted_by),
            "GET /notes?scope=shared": (
                list_query(viewer, NoteFilter(scope=Scope.SHARED)), sorted_by),
            "GET /notes?sort=title": (list_query(viewer, NoteFilter()), {SORT_KEYS[Sort.TITLE][0]: 1}),
            "GET /notes?tag=t": (list_query(viewer, NoteFilter(tag="t")), sorted_by),
            "GET /notes/{id}": ({"_id": docs[0]["_id"]}, None),
            "user.deleted: notes owned": ({"tenant_id": TENANT, "owner_id": str(me)}, None),
            "user.deleted: shared with": ({"tenant_id": TENANT, "readers": f"user:{me}"}, None),
        }  # fmt: skip
        for name, (query, sort) in queries.items():
            find: dict[str, Any] = {"find": "notes", "filter": query, "limit": 21}
            if sort:
                find["sort"] = sort
            explained = await db.command({"explain": find, "verbosity": "executionStats"})
            plan = explained["queryPlanner"]["winningPlan"]
            stats = explained.get("executionStats", {})
            print(json.dumps({"query": name, "plan": " > ".join(stages(plan)),
                              "docs_examined": stats.get("totalDocsExamined"),
                              "keys_examined": stats.get("totalKeysExamined")}))  # fmt: skip
        memberships = await db.command({"explain": {"find": "memberships", "filter": {
            "tenant_id": TENANT, "user_id": str(me), "deleted": False}}})  # fmt: skip
        print(json.dumps({"query": "viewer_of: memberships of a user",
                          "plan": " > ".join(stages(memberships["queryPlanner"]["winningPlan"]))}))
    finally:
        client.close()
        server.close()


if __name__ == "__main__":
    asyncio.run(main())
