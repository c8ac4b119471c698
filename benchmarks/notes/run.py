"""The notes-service benchmark (docs/benchmarks/notes.md).

It starts the MongoDB-protocol test server (secantusdb, in memory, as the tests do) and a
static JWKS on loopback, seeds a college where one user sees 10,000 notes (7,000 of their own,
2,000 shared with them by classmates, 1,000 shared with their section) among 5,000 others they
cannot see, then runs the service's real ``serve`` command (one uvicorn worker, production
settings except: no relay, no consumers, no Redis; none of which a read touches) and measures
with wrk at 64 connections:

- ``GET /notes?limit=20`` (everything I can see, newest first: the landing page);
- ``GET /notes?scope=mine&limit=20``.

Everything stays on 127.0.0.1 and every wrk run stops after its duration. Usage, from the repo
root:  PYTHONPATH=src/python:src/python/platform:. /work/venv/bin/python -m benchmarks.notes.run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from motor.motor_asyncio import AsyncIOMotorClient

from benchmarks.course.run import free_port, load_average, machine, run_wrk, serve_jwks
from lms.notes.adapters.persistence.documents import to_document
from lms.notes.adapters.persistence.indexes import ensure_indexes
from lms.notes.adapters.persistence.read_models import apply_enrollment
from lms.notes.domain.notes import Note, NoteContent, ShareAccess, Share, ShareKind
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.membership.events import EnrollmentSnapshot
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.mongo import MongoServer

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
COLLEGE = "bench-college"
OWN, SHARED_WITH_ME, SHARED_WITH_SECTION, INVISIBLE = 7_000, 2_000, 1_000, 5_000
DATABASE = "notes_bench"


def note(owner: uuid.UUID, at: datetime, i: int, shares: tuple[Share, ...] = ()) -> dict[str, Any]:
    content = NoteContent(title=f"Note {i}", body=f"Lecture {i % 40}: *key ideas*\n" * 4,
                          tags=("cs101", f"week-{i % 14}"))  # fmt: skip
    domain = Note(id=uuid.uuid4(), tenant_id=COLLEGE, owner_id=owner, content=content,
                  created_at=at, updated_at=at, shares=shares)  # fmt: skip
    return to_document(domain).model_dump_doc()


async def seed(url: str) -> uuid.UUID:
    """Documents as the API writes them (the same mapping), inserted in bulk; returns the user."""
    client: AsyncIOMotorClient = AsyncIOMotorClient(url, tz_aware=True)
    db = client[DATABASE]
    try:
        await ensure_indexes(db)
        me, section, course = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        classmates = [uuid.uuid4() for _ in range(50)]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=200)
        docs: list[dict[str, Any]] = []
        total = OWN + SHARED_WITH_ME + SHARED_WITH_SECTION + INVISIBLE
        for i in range(total):
            at = start + timedelta(seconds=i * 600)  # interleaved in time: every page mixes
            kind = i % 15  # 7 own, 2 user-shared, 1 section-shared, 5 invisible out of 15
            owner = me if kind < 7 else classmates[i % len(classmates)]
            shares: tuple[Share, ...] = ()
            if kind in (7, 8):
                shares = (Share(uuid.uuid4(), ShareKind.USER, me, ShareAccess.READ, at),)
            elif kind == 9:
                shares = (Share(uuid.uuid4(), ShareKind.SECTION, section, ShareAccess.READ, at),)
            docs.append(note(owner, at, i, shares))
        for batch in range(0, len(docs), 1000):
            await db.notes.insert_many(docs[batch : batch + 1000])
        async with await client.start_session() as session, session.start_transaction():
            await apply_enrollment(db, session, COLLEGE, EnrollmentSnapshot(
                id=uuid.uuid4(), user_id=me, section_id=section, course_id=course,
                role=SectionRole.STUDENT, state=EnrollmentState.ACTIVE, version=1,
                updated_at=datetime.now(UTC)))  # fmt: skip
        return me
    finally:
        client.close()


def count_visible(base: str, token: str, scope: str) -> int:
    """Walk every page with the cursor: the benchmark's user really sees what it claims."""
    seen, cursor = 0, None
    while True:
        params: dict[str, Any] = {"limit": 100, "scope": scope}
        if cursor:
            params["cursor"] = cursor
        page = httpx.get(base + "/notes", params=params, timeout=60,
                         headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def one_at_a_time(url: str, token: str, count: int) -> dict[str, float]:
    """``count`` requests one after another (no queueing): what one request costs."""
    timings = []
    with httpx.Client(timeout=120, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(count):
            began = time.perf_counter()
            assert client.get(url).status_code == 200
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    return {"requests": count, "p50_ms": round(timings[len(timings) // 2], 1),
            "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))], 1),
            "max_ms": round(timings[-1], 1), "load": load_average()}  # fmt: skip


async def count_in_mongo(url: str, me: uuid.UUID) -> tuple[int, int]:
    """The totals of the service's own list query (``list_query``) for the benchmark's user."""
    from lms.notes.adapters.persistence.queries import list_query
    from lms.notes.application.access import Viewer
    from lms.notes.application.ports import NoteFilter, Scope

    client: AsyncIOMotorClient = AsyncIOMotorClient(url, tz_aware=True)
    try:
        membership = await client[DATABASE].memberships.find_one({"user_id": str(me)})
        assert membership is not None
        viewer = Viewer(user_id=me, tenant_id=COLLEGE,
                        sections=frozenset({uuid.UUID(membership["section_id"])}),
                        courses=frozenset({uuid.UUID(membership["course_id"])}))  # fmt: skip
        notes = client[DATABASE].notes
        every = await notes.count_documents(list_query(viewer, NoteFilter()))
        mine = await notes.count_documents(list_query(viewer, NoteFilter(scope=Scope.MINE)))
        return int(every), int(mine)
    finally:
        client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--alone", type=int, default=20, help="requests measured one at a time")
    parser.add_argument("--mongo-url", help="a real MongoDB replica set instead of the test server")
    parser.add_argument("--out", default="/tmp/lms-notes-benchmark.json")
    parser.add_argument(
        "--verify", choices=["pages", "count"], default="pages",
        help="pages: walk every page through the API (minutes on the test server); count: the "
        "first page through the API and the totals of the service's own list query in MongoDB",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    tokens = TokenFactory()
    jwks_url, jwks_server = serve_jwks(tokens)
    mongo = None if args.mongo_url else MongoServer().start()
    mongo_url = args.mongo_url or (mongo.url if mongo else "")
    service: subprocess.Popen[bytes] | None = None
    logs = Path(tempfile.mkdtemp(prefix="notes-bench-"))
    try:
        began = time.monotonic()
        me = asyncio.run(seed(mongo_url))
        print(f"[bench] seeded in {time.monotonic() - began:.1f}s", flush=True)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in ("src/python", "src/python/platform")),
            "LMS_NOTES_HTTP_PORT": str(port),
            "LMS_NOTES_MONGO_URL": mongo_url,
            "LMS_NOTES_MONGO_DATABASE": DATABASE,
            "LMS_NOTES_JWKS_URL": jwks_url,
            "LMS_NOTES_ENVIRONMENT": "benchmark",
            "LMS_NOTES_RUN_RELAY": "false",
            "LMS_NOTES_RUN_CONSUMERS": "false",
            "LMS_NOTES_ACCESS_LOG": "false",
        }  # fmt: skip
        with (logs / "notes.log").open("wb") as log:
            service = subprocess.Popen([sys.executable, "-m", "lms.notes.main", "serve"],
                                       env=env, stdout=log, stderr=log)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or service.poll() is not None:
                raise SystemExit(f"the service did not become ready; see {logs / 'notes.log'}")
            time.sleep(0.2)
        token = tokens.mint(str(me), COLLEGE, roles=("student",), permissions=("note:write",),
                            expires_in=900)  # fmt: skip
        # Correctness first: the user sees exactly the 10,000 notes, 7,000 of them their own
        # (100 and 70 pages: the walk takes minutes on the test server, see the results doc).
        began = time.monotonic()
        if args.verify == "pages":
            visible = count_visible(base, token, "all")
            mine = count_visible(base, token, "mine")
        else:
            visible, mine = asyncio.run(count_in_mongo(mongo_url, me))
            first = httpx.get(f"{base}/notes", params={"limit": 20}, timeout=120,
                              headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
            assert len(first["items"]) == 20 and first["next_cursor"], first
        print(f"[bench] verified ({args.verify}) in {time.monotonic() - began:.0f}s", flush=True)
        assert (visible, mine) == (OWN + SHARED_WITH_ME + SHARED_WITH_SECTION, OWN), (visible, mine)
        results: dict[str, Any] = {"machine": machine(), "started_at": datetime.now(UTC).isoformat(),
                                   "visible_notes": visible, "own_notes": mine,
                                   "collection_notes": visible + INVISIBLE}  # fmt: skip
        cases = {"all_first_page": "/notes?limit=20", "mine_first_page": "/notes?scope=mine&limit=20"}
        for name, path in cases.items():
            lines = [f"{path} {token}"]
            label = f"{name}_c{args.connections}"
            results[label] = run_wrk(base, lines, args.duration, args.connections, service.pid)
            print(f"[bench] {label}: {json.dumps(results[label])}", flush=True)
            results[f"{name}_alone"] = one_at_a_time(base + path, token, args.alone)
            print(f"[bench] {name}_alone: {json.dumps(results[f'{name}_alone'])}", flush=True)
        results["command"] = (
            f"wrk -t2 -c{args.connections} -d{args.duration}s --timeout=5s --latency "
            "-s benchmarks/course/requests.lua http://127.0.0.1:PORT -- <path and token>"
        )
        out = Path(args.out)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"[bench] results in {out}", flush=True)
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
        if mongo is not None:
            mongo.close()
        jwks_server.shutdown()


if __name__ == "__main__":
    main()
