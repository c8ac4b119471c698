"""The servers under test: how each one is launched, checked for correctness, warmed and stopped.

Every one is a single uvicorn process on uvloop + httptools, in its own process session, on
127.0.0.1. The project is started through its production entry point with production settings.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.user.stack import Stack

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Target:
    key: str
    number: str  # as in the issue: "1".."4"; variants get a letter
    title: str
    description: str
    in_ratios: bool = True


PROJECT = Target(
    "project",
    "1",
    "project: GET /users/{id}",
    "The user service through its production entry point (`python -m lms.user.main serve`): "
    "dishka DI, bearer auth against the JWKS URL, RED metrics, a server span per request "
    "(sampled at 1.0, no exporter), a JSON access-log line per request, outbox relay and "
    "Kafka consumer running, Redis cache-aside in front of PostgreSQL.",
)
PROJECT_CACHE_MISS = Target(
    "project_cache_miss",
    "1m",
    "project, every read a cache miss",
    "The same server, with Redis refusing writes (`maxmemory 1`, `noeviction`): each request "
    "does the Redis GET (miss), the PostgreSQL read through the ORM, and a failed Redis SET. "
    "What the project costs when the cache does not help; not part of the ratios.",
    in_ratios=False,
)
PROJECT_CANDIDATE = Target(
    "project_candidate",
    "1p",
    "project with a proposed patch (--project-src)",
    "The project's server run from another source tree, e.g. with a patch from /work/notes "
    "applied, measured in the same rounds as the project itself; not part of the ratios.",
    in_ratios=False,
)
REFERENCE_LITESTAR = Target(
    "reference_litestar",
    "2",
    "reference: Litestar + asyncpg + msgspec + PyJWT",
    "Verifies the RS256 token with PyJWT on every request, checks the college, one SELECT by "
    "primary key on a raw asyncpg pool (10 connections), msgspec response. No ORM, DI, cache "
    "or instrumentation.",
)
REFERENCE_FASTAPI = Target(
    "reference_fastapi",
    "3",
    "reference: FastAPI + pydantic + SQLAlchemy ORM",
    "HTTPBearer + PyJWT auth dependency, async session dependency (async_sessionmaker, "
    "pool 10+10), `session.get(Profile, id)`, pydantic v2 response model (from_attributes). "
    "No cache or instrumentation.",
)
HELLO_LITESTAR = Target(
    "hello_litestar",
    "4",
    "ceiling: bare Litestar hello-world",
    "Answers the same requests with a constant text body; the most one worker can do here.",
)
TARGETS = (PROJECT, PROJECT_CACHE_MISS, PROJECT_CANDIDATE, REFERENCE_LITESTAR, REFERENCE_FASTAPI, HELLO_LITESTAR)
TARGETS_BY_KEY = {t.key: t for t in TARGETS}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6").prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _environment(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "OTEL_", "BENCH_"))}
    env.update(extra)
    return env


class RunningServer:
    """One server process; ``stop()`` is safe to call any number of times."""

    def __init__(self, target: Target, stack: Stack, work_dir: Path, project_src: Path | None = None) -> None:
        self.target = target
        self.stack = stack
        self.project_src = project_src
        self.port = _free_port()
        self.log_path = work_dir / f"{target.key}.log"
        command, env = self._command()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.log_offset = self._log.tell()  # earlier rounds' servers appended to the same file
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C reaches the runner only; it stops us in order
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def _command(self) -> tuple[list[str], dict[str, str]]:
        if self.target.key in (PROJECT.key, PROJECT_CACHE_MISS.key, PROJECT_CANDIDATE.key):
            # Production settings, as a deployment would set them (see lms.user.config).
            env = _environment(
                {
                    "LMS_USER_ENVIRONMENT": "benchmark",
                    "LMS_USER_HTTP_HOST": "127.0.0.1",
                    "LMS_USER_HTTP_PORT": str(self.port),
                    "LMS_USER_DATABASE_URL": self.stack.sqlalchemy_url,
                    "LMS_USER_REDIS_URL": self.stack.redis.url,
                    "LMS_USER_KAFKA_BOOTSTRAP_SERVERS": self.stack.kafka.bootstrap_servers,
                    "LMS_USER_KAFKA_TOPIC_PREFIX": "bench",
                    "LMS_USER_CONSUMER_GROUP": "user-bench",
                    "LMS_USER_JWKS_URL": self.stack.jwks_url,
                    "LMS_USER_OTLP_ENDPOINT": "",
                    "LMS_USER_TRACE_SAMPLE_RATIO": "1.0",
                    "LMS_USER_LOG_LEVEL": "INFO",
                    "LMS_USER_LOG_JSON": "true",
                    "LMS_USER_ACCESS_LOG": "true",
                }
            )
            if self.target.key == PROJECT_CANDIDATE.key:
                if self.project_src is None:
                    raise ValueError("the project_candidate target needs --project-src")
                roots = [self.project_src / "src" / "python", self.project_src / "src" / "python" / "platform"]
                env["PYTHONPATH"] = os.pathsep.join(str(root) for root in roots)
            return [sys.executable, "-m", "lms.user.main", "serve"], env
        env = _environment(
            {
                "BENCH_PORT": str(self.port),
                "BENCH_DSN": self.stack.dsn,
                "BENCH_PUBLIC_JWK": json.dumps(self.stack.tokens.public_jwk),
                "BENCH_JWT_ISSUER": self.stack.tokens.issuer,
                "BENCH_JWT_AUDIENCE": self.stack.tokens.audience,
                "BENCH_POOL_SIZE": "10",
            }
        )
        return [sys.executable, "-m", "benchmarks.user.apps.serve", self.target.key], env

    def wait_ready(self, timeout: float = 90.0) -> float:
        """Wait until an authenticated read answers 200; returns the seconds it took."""
        began = time.monotonic()
        owner = self.stack.profiles[0]
        last: object = None
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.target.key} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                status, _, _ = self.request(f"/users/{owner.id}", owner.token)
                if status == 200:
                    return time.monotonic() - began
                last = f"status {status}"
            except OSError as error:
                last = error
            time.sleep(0.1)
        raise RuntimeError(f"{self.target.key} not ready after {timeout:.0f}s ({last}):\n{self.log_tail()}")

    def request(
        self, path: str, token: str | None, connection: http.client.HTTPConnection | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        own = connection is None
        connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            headers = {"Accept": "application/json"}
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            if own:
                connection.close()

    def check_correctness(self) -> dict[str, Any]:
        """Prove the server does the real work: right body for the owner, and the auth rules."""
        profiles, outsider = self.stack.profiles, self.stack.outsiders[0]
        owner, other = profiles[1], profiles[2]
        checks: dict[str, Any] = {}
        status, headers, body = self.request(f"/users/{owner.id}", owner.token)
        if self.target.key == HELLO_LITESTAR.key:
            checks["owner_reads_own_profile"] = status == 200
            return {"passed": all(checks.values()), "checks": checks}
        document = json.loads(body) if status == 200 else {}
        checks["owner_reads_own_profile"] = status == 200 and all(
            (
                document.get("id") == str(owner.id),
                document.get("college_id") == owner.college,
                document.get("email") == owner.email,
                document.get("display_name") == owner.display_name,
                headers.get("etag") == '"1"',
            )
        )
        checks["response_fields"] = sorted(document)
        checks["no_token_401"] = self.request(f"/users/{owner.id}", None)[0] == 401
        tampered = owner.token[:-6] + ("AAAAAA" if not owner.token.endswith("AAAAAA") else "BBBBBB")
        checks["bad_signature_401"] = self.request(f"/users/{owner.id}", tampered)[0] == 401
        checks["other_college_404"] = self.request(f"/users/{owner.id}", outsider.token)[0] == 404
        checks["other_student_403"] = self.request(f"/users/{owner.id}", other.token)[0] == 403
        passed = all(v for k, v in checks.items() if k != "response_fields")
        return {"passed": passed, "checks": checks}

    def prime(self) -> dict[str, int]:
        """Read every seeded profile once with its owner's token (fills caches, warms pools)."""
        statuses: dict[str, int] = {}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            for profile in self.stack.profiles:
                status, _, _ = self.request(f"/users/{profile.id}", profile.token, connection)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
        finally:
            connection.close()
        return statuses

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return "<no log>"

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self._log.closed:
            self._log.close()


def redis_refuses_writes(stack: Stack, refuse: bool) -> Callable[[], None]:
    """Make every cache fill fail (``maxmemory 1`` + ``noeviction``) and empty the cache; the
    returned function restores normal operation."""
    redis = stack.redis
    redis.flushall()
    if refuse:
        for words in (("CONFIG", "SET", "maxmemory-policy", "noeviction"), ("CONFIG", "SET", "maxmemory", "1")):
            reply = redis.command_reply(*words)
            if reply != b"+OK":
                raise RuntimeError(f"redis {' '.join(words)} answered {reply!r}")

    def restore() -> None:
        redis.command_reply("CONFIG", "SET", "maxmemory", "0")
        redis.flushall()

    return restore
