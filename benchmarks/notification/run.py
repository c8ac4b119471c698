"""The notification-service benchmark (docs/benchmarks/notification.md).

It starts PostgreSQL, Redis and the Tansu Kafka-API broker (the wheels the tests use) and an
aiosmtpd SMTP server on loopback, migrates a database and runs the service in this process
(uvicorn, the relay, the consumers and the delivery worker, with its production settings but
the servers' addresses). Then it measures:

1. emails per second into the local SMTP server: the SMTP adapter alone (one connection per
   message, as the service sends), one at a time and 16 in flight;
2. the whole pipeline: N ``account.password_reset_requested`` events on the ``credential``
   topic, from the first publish to the N-th SMTP acceptance;
3. ``assignment.published`` to a section of 500 students (registered and enrolled through
   their events first): from the publish to each student's mail accepted by the SMTP server,
   p50, p99 and the last, over a few runs.

Everything stays on 127.0.0.1 and stops by itself. Usage, from the repo root:
    PYTHONPATH=src/python:src/python/platform:. /work/venv/bin/python -m benchmarks.notification.run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from lms.notification.adapters.email.smtp import SmtpEmailSender
from lms.notification.application.ports import OutgoingMessage
from lms.notification.config import NotificationSettings
from lms.notification.main import SERVICE
from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import migrate_with, running_service, settings_for_test
from lms_platform.testing.servers import KafkaServer, PostgresServer, RedisServer
from lms_platform.testing.smtp import SmtpSink

COLLEGE = "bench-college"
HERE = Path(__file__).resolve().parent


def _envelope(kind: str, subject: str, data: dict[str, Any], source: str = "auth") -> bytes:
    return encode_envelope(new_envelope(kind, source, subject, COLLEGE, data))


def _reset(n: int) -> bytes:
    account = str(uuid.uuid4())
    token = uuid.uuid4().hex
    return _envelope("account.password_reset_requested", account, {
        "account_id": account, "email": f"user{n}@bench.test", "display_name": f"User {n}",
        "college_id": COLLEGE, "college_slug": COLLEGE, "college_name": "Bench U",
        "reset_token": token, "reset_url": f"https://lms.test/reset?token={token}",
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    })  # fmt: skip


def _registered(account: str) -> bytes:
    return _envelope("account.registered", account, {
        "account_id": account, "email": f"{account}@bench.test", "roles": ["student"],
        "display_name": "Student",
    })  # fmt: skip


def _enrolled(account: str, section: str, course: str) -> bytes:
    now = datetime.now(UTC).isoformat()
    enrollment = {
        "id": str(uuid.uuid4()), "user_id": account, "section_id": section, "course_id": course,
        "role": "student", "state": "active", "observed_user_id": None, "version": 1,
        "created_at": now, "updated_at": now, "deleted_at": None,
    }  # fmt: skip
    return _envelope("enrollment.created", enrollment["id"],
                     {"section_id": section, "changed_fields": [], "enrollment": enrollment},
                     source="course")  # fmt: skip


def _published(course: str, section: str, title: str) -> bytes:
    assignment = str(uuid.uuid4())
    return _envelope("assignment.published", assignment, {"changed_fields": ["status"], "assignment": {
        "id": assignment, "course_id": course, "section_ids": [section], "title": title,
        "due_at": "2030-01-10T23:59:00+00:00", "status": "published", "version": 2,
    }}, source="assignment")  # fmt: skip


async def _publish(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5)
    await producer.start()
    try:
        await asyncio.gather(*[producer.send(topic, v, key=str(i % 64).encode()) for i, v in enumerate(values)])
        await producer.flush()
    finally:
        await producer.stop()


async def smtp_adapter_rate(sink: SmtpSink, count: int, concurrency: int) -> float:
    sender = SmtpEmailSender(host=sink.host, port=sink.port, mail_from="bench@lms.test")
    before = len(sink.messages)
    queue = list(range(count))

    async def worker() -> None:
        while queue:
            n = queue.pop()
            await sender.send(OutgoingMessage(
                delivery_id=uuid.uuid4(), to=f"a{n}@bench.test", subject="Reset your password",
                text_body="Choose a new one: https://lms.test/reset?token=x\n" * 4,
                html_body="<p><a href='https://lms.test/reset?token=x'>Choose</a></p>",
            ))  # fmt: skip

    start = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    elapsed = time.perf_counter() - start
    await sink.wait_for(before + count, timeout=60)
    return count / elapsed


async def main(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("LMS_TEST_SERVERS_DIR", "/dev/shm")
    postgres, redis, kafka = PostgresServer().start(), RedisServer().start(), KafkaServer().start()
    sink = SmtpSink().start()
    results: dict[str, Any] = {}
    try:
        results["smtp_adapter_sequential_per_s"] = await smtp_adapter_rate(sink, args.adapter, 1)
        results["smtp_adapter_16_in_flight_per_s"] = await smtp_adapter_rate(sink, args.adapter, 16)
        template = postgres.create_template("notification_bench_template", migrate_with(SERVICE))
        dsn = postgres.create_database("notification_bench", template)
        namespace = f"b{uuid.uuid4().hex[:8]}."
        settings = settings_for_test(
            NotificationSettings, dsn=dsn, redis_url=redis.url,
            kafka_bootstrap=kafka.bootstrap_servers, kafka_namespace=namespace,
            smtp_host=sink.host, smtp_port=sink.port, environment="bench", log_level="WARNING",
            access_log=False, max_request_body_bytes=1_048_576,
        )  # fmt: skip
        async with running_service(SERVICE, settings, tokens=TokenFactory()) as service:
            await asyncio.wait_for(service.runtime.consumers.started.wait(), 60)
            results.update(await pipeline(service, sink, kafka.bootstrap_servers, namespace, args))
            results.update(await section(service, sink, kafka.bootstrap_servers, namespace, args))
    finally:
        sink.stop()
        kafka.close()
        redis.close()
        postgres.close()
    return results


async def pipeline(service: Any, sink: SmtpSink, bootstrap: str, ns: str, args: argparse.Namespace) -> dict[str, Any]:
    before = len(sink.messages)
    events = [_reset(n) for n in range(args.resets)]
    start = time.monotonic()
    await _publish(bootstrap, f"{ns}credential", events)
    mails = await sink.wait_for(before + args.resets, timeout=600)
    elapsed = mails[-1].received_at - start
    return {"pipeline_resets": args.resets, "pipeline_seconds": round(elapsed, 2),
            "pipeline_emails_per_s": round(args.resets / elapsed, 1)}  # fmt: skip


async def section(service: Any, sink: SmtpSink, bootstrap: str, ns: str, args: argparse.Namespace) -> dict[str, Any]:
    course, sect = str(uuid.uuid4()), str(uuid.uuid4())
    students = [str(uuid.uuid4()) for _ in range(args.students)]
    before = len(sink.messages)
    await _publish(bootstrap, f"{ns}account", [_registered(s) for s in students])
    await _publish(bootstrap, f"{ns}enrollment", [_enrolled(s, sect, course) for s in students])
    await sink.wait_for(before + len(students), timeout=600)  # the welcome mails
    while await service.scalar("SELECT count(*) FROM memberships") < len(students):
        await asyncio.sleep(0.2)
    runs = []
    for run in range(args.runs):
        title = f"Problem set {run}"
        already = len(sink.messages)
        start = time.monotonic()
        await _publish(bootstrap, f"{ns}assignment", [_published(course, sect, title)])
        await sink.wait_for(already + len(students), timeout=600)
        mails = [m for m in sink.messages[already:] if title in m.subject]
        assert len(mails) == len(students), len(mails)
        latencies = sorted(m.received_at - start for m in mails)
        runs.append({
            "p50_s": round(statistics.median(latencies), 3),
            "p99_s": round(latencies[int(0.99 * (len(latencies) - 1))], 3),
            "last_s": round(latencies[-1], 3),
            "first_s": round(latencies[0], 3),
        })  # fmt: skip
    return {"section_students": len(students), "section_runs": runs}


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--adapter", type=int, default=500, help="mails for the adapter alone")
    parser.add_argument("--resets", type=int, default=1000, help="password resets end to end")
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(HERE.parents[1] / "docs/benchmarks/notification-results.json"))
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _parse()
    outcome = asyncio.run(main(arguments))
    outcome["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform(), "at": datetime.now(UTC).isoformat()}  # fmt: skip
    print(json.dumps(outcome, indent=2))
    Path(arguments.out).write_text(json.dumps(outcome, indent=2) + "\n")
