"""The servers under test: how each one is launched, checked for correctness, warmed and stopped.

Every one is a single process (uvicorn on uvloop + httptools, or granian with one worker), in
its own process session, on 127.0.0.1. The project is started through its production entry
point with production settings.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url

from benchmarks.user.environment import REPO_ROOT
from benchmarks.user.stack import SEARCH_TERM, TOKEN_LIFETIME_SECONDS, Stack

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Target:
    key: str
    number: str  # as in the issue: "1".."4"; variants get a letter, list rows "L", "S", "D"
    title: str
    description: str
    app: str = "project"  # "project", or a reference app in benchmarks/user/apps/
    server: str = "uvicorn"  # or "granian"
    workload: str = "get"  # get: GET /users/{id}; list, search, deep: GET /users?...
    database: str = "small"  # small: the reads' profiles; large: --large-profiles of them
    env: tuple[tuple[str, str], ...] = ()  # settings on top of the production ones
    source: str = "tree"  # tree: this checkout; baseline: --baseline-src; candidate: --project-src
    in_ratios: bool = True

    @property
    def is_project(self) -> bool:
        return self.app == "project"

    @property
    def table(self) -> str:
        return "get" if self.workload == "get" else "lists"


_PROJECT = (
    "The user service through its production entry point (`python -m lms.user.main serve`) "
    "with its production defaults: dishka DI, bearer auth against the JWKS URL, RED metrics, "
    "a server span per request sampled by the parent-based ratio sampler (ratio 0.1, no "
    "exporter), the access log (errors, slow requests and 1 % of the rest), outbox relay and "
    "Kafka consumer running"
)
PROJECT = Target(
    "project", "1", "project: GET /users/{id}",
    _PROJECT + ", Redis cache-aside in front of PostgreSQL.",
)  # fmt: skip
PROJECT_NO_CACHE = Target(
    "project_no_cache", "1n", "project without the Redis cache",
    "The same server with `CACHE_TTL_SECONDS=0`: every read is one SELECT by primary key on an "
    "autocommit connection (SQLAlchemy Core over asyncpg), Redis never asked. Not in the ratios.",
    env=(("LMS_USER_CACHE_TTL_SECONDS", "0"),), in_ratios=False,
)  # fmt: skip
PROJECT_BASELINE = Target(
    "project_baseline", "1b", "project as on main before this change (--baseline-src)",
    "The project's server run from the baseline tree (main before this branch) with main's "
    "defaults: every request traced (ratio 1.0) and written to the access log. Not in the ratios.",
    source="baseline", in_ratios=False,
)  # fmt: skip
PROJECT_GRANIAN = Target(
    "project_granian", "1g", "project served by granian",
    "The same app as (1), built by the same entry point, served by granian (one worker, uvloop) "
    "instead of uvicorn. Not in the ratios: the service ships on uvicorn.",
    server="granian", in_ratios=False,
)  # fmt: skip
PROJECT_CANDIDATE = Target(
    "project_candidate", "1p", "project with a proposed patch (--project-src)",
    "The project's server run from another source tree, e.g. with a patch applied, measured in "
    "the same rounds as the project itself; not part of the ratios.",
    source="candidate", in_ratios=False,
)  # fmt: skip
REFERENCE_LITESTAR = Target(
    "reference_litestar", "2", "reference: Litestar + asyncpg + msgspec + PyJWT (uvicorn)",
    "Verifies the RS256 token with PyJWT on every request, checks the college, one SELECT by "
    "primary key on a raw asyncpg pool (10 connections), msgspec response. No ORM, DI, cache "
    "or instrumentation.",
    app="reference_litestar",
)  # fmt: skip
REFERENCE_LITESTAR_GRANIAN = Target(
    "reference_litestar_granian", "2g", "reference: the same on granian",
    "Reference (2) served by granian (one worker, uvloop), as in the issue's measurement.",
    app="reference_litestar", server="granian",
)  # fmt: skip
REFERENCE_FASTAPI = Target(
    "reference_fastapi", "3", "reference: FastAPI + pydantic + SQLAlchemy ORM",
    "HTTPBearer + PyJWT auth dependency, async session dependency (async_sessionmaker, "
    "pool 10+10), `session.get(Profile, id)`, pydantic v2 response model (from_attributes). "
    "No cache or instrumentation.",
    app="reference_fastapi",
)  # fmt: skip
HELLO_LITESTAR = Target(
    "hello_litestar", "4", "ceiling: bare Litestar hello-world",
    "Answers the same requests with a constant text body; the most one worker can do here.",
    app="hello_litestar",
)  # fmt: skip
_LIST = "The project (1) as a college admin: `GET /users?limit=20`"
LIST_SMALL = Target(
    "list_small", "L1", "list, 1,000 profiles",
    _LIST + ", first page (stable order by name, total counted up to 1,000).",
    workload="list",
)  # fmt: skip
LIST_LARGE = Target(
    "list_large", "L2", "list, 100,000 profiles", _LIST + ", the same on the large college.",
    workload="list", database="large",
)  # fmt: skip
SEARCH_SMALL = Target(
    "search_small", "S1", "search, 1,000 profiles",
    _LIST + "&q=nakamura`: one of the seeded last names, matching ~1 % of the college in the "
    "display name and the email (11 profiles here).",
    workload="search",
)  # fmt: skip
SEARCH_LARGE = Target(
    "search_large", "S2", "search, 100,000 profiles",
    "The same search on the large college (1,031 matches; the total is reported as 1000+).",
    workload="search", database="large",
)  # fmt: skip
DEEP_LARGE = Target(
    "deep_large", "D2", "list page 2,500 of 5,000 (cursor), 100,000 profiles",
    _LIST + "&cursor=…` with the cursor of the 50,000th profile: a page in the middle.",
    workload="deep", database="large",
)  # fmt: skip
TARGETS = (
    PROJECT, PROJECT_NO_CACHE, PROJECT_BASELINE, PROJECT_GRANIAN, PROJECT_CANDIDATE,
    REFERENCE_LITESTAR, REFERENCE_LITESTAR_GRANIAN, REFERENCE_FASTAPI, HELLO_LITESTAR,
    LIST_SMALL, LIST_LARGE, SEARCH_SMALL, SEARCH_LARGE, DEEP_LARGE,
)  # fmt: skip
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

    def __init__(self, target: Target, stack: Stack, work_dir: Path, sources: dict[str, Path | None]) -> None:
        self.target = target
        self.stack = stack
        self.sources = sources
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

    def _source_path(self) -> list[Path] | None:
        if self.target.source == "tree":
            return None
        tree = self.sources.get(self.target.source)
        if tree is None:
            raise ValueError(f"{self.target.key} needs --{self.target.source}-src")
        return [tree / "src" / "python", tree / "src" / "python" / "platform"]

    def _command(self) -> tuple[list[str], dict[str, str]]:
        database_url = to_asyncpg_sqlalchemy_url(self.stack.dsn_for(self.target.database))
        if self.target.is_project:
            # Production settings, as a deployment would set them (see lms.user.config); the
            # observability settings are left at their defaults, which is what ships.
            env = _environment(
                {
                    "LMS_USER_ENVIRONMENT": "benchmark",
                    "LMS_USER_HTTP_HOST": "127.0.0.1",
                    "LMS_USER_HTTP_PORT": str(self.port),
                    "LMS_USER_DATABASE_URL": database_url,
                    "LMS_USER_REDIS_URL": self.stack.redis.url,
                    "LMS_USER_KAFKA_BOOTSTRAP_SERVERS": self.stack.kafka.bootstrap_servers,
                    "LMS_USER_KAFKA_TOPIC_PREFIX": "bench",
                    "LMS_USER_CONSUMER_GROUP": "user-bench",
                    "LMS_USER_JWKS_URL": self.stack.jwks_url,
                    # The tokens outlive the whole run (stack.TOKEN_LIFETIME_SECONDS); the bound
                    # on a token's lifetime is one comparison, the same cost for any value.
                    "LMS_USER_JWT_MAX_TOKEN_LIFETIME_SECONDS": str(TOKEN_LIFETIME_SECONDS),
                    "LMS_USER_OTLP_ENDPOINT": "",
                    "LMS_USER_LOG_LEVEL": "INFO",
                    "LMS_USER_LOG_JSON": "true",
                    **dict(self.target.env),
                }
            )
            roots = self._source_path()
            if roots is not None:
                env["PYTHONPATH"] = os.pathsep.join(str(root) for root in [*roots, REPO_ROOT])
            if self.target.server == "granian":
                return [sys.executable, "-m", "benchmarks.user.apps.serve", "project", "--server", "granian"], env
            return [sys.executable, "-m", "lms.user.main", "serve"], env
        env = _environment(
            {
                "BENCH_PORT": str(self.port),
                "BENCH_DSN": self.stack.dsn_for(self.target.database),
                "BENCH_PUBLIC_JWK": json.dumps(self.stack.tokens.public_jwk),
                "BENCH_JWT_ISSUER": self.stack.tokens.issuer,
                "BENCH_JWT_AUDIENCE": self.stack.tokens.audience,
                "BENCH_POOL_SIZE": "10",
            }
        )
        command = [sys.executable, "-m", "benchmarks.user.apps.serve", self.target.app, "--server", self.target.server]
        return command, env

    def request_path(self) -> str:
        """The one request of a list workload (``get`` reads come from the pairs file)."""
        workload = self.target.workload
        if workload == "list":
            return "/users?limit=20"
        if workload == "search":
            return f"/users?limit=20&q={SEARCH_TERM}"
        if workload == "deep":
            return f"/users?limit=20&cursor={self.stack.middle_cursor(self.target.database)}"
        raise ValueError(f"{self.target.key} reads by id")

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
        """Prove the server does the real work: the right body, and the auth rules."""
        if self.target.workload != "get":
            return self._check_list()
        profiles, outsider = self.stack.profiles, self.stack.outsiders[0]
        owner, other = profiles[1], profiles[2]
        checks: dict[str, Any] = {}
        status, headers, body = self.request(f"/users/{owner.id}", owner.token)
        if self.target.app == "hello_litestar":
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

    def _check_list(self) -> dict[str, Any]:
        path = self.request_path()
        checks: dict[str, Any] = {}
        status, _, body = self.request(path, self.stack.admin_token)
        page = json.loads(body) if status == 200 else {}
        items = page.get("items", [])
        count = self.stack.profile_count(self.target.database)
        if self.target.workload == "search":
            expected = sum(SEARCH_TERM in f"{i['display_name']} {i['email']}".lower() for i in items)
            checks["admin_gets_matching_page"] = status == 200 and 0 < expected == len(items)
            checks["matches"] = page.get("total"), page.get("total_exact")
        else:
            names = [i["display_name"] for i in items]
            checks["admin_gets_a_sorted_page_of_20"] = status == 200 and len(items) == 20 and names == sorted(names)
            checks["total"] = page.get("total"), page.get("total_exact")
            checks["total_right"] = (page.get("total"), page.get("total_exact")) == (
                (count, True) if count <= 1000 else (1000, False)
            )
        if self.target.workload == "deep":
            key_name, _ = self.stack.middle_key(self.target.database)
            checks["page_starts_after_the_cursor"] = bool(items) and items[0]["display_name"] >= key_name
        checks["next_cursor_present"] = page.get("next_cursor") is not None or len(items) < 20
        checks["no_token_401"] = self.request(path, None)[0] == 401
        checks["student_403"] = self.request(path, self.stack.profiles[0].token)[0] == 403
        passed = all(v for k, v in checks.items() if k not in ("matches", "total"))
        return {"passed": passed, "checks": checks}

    def prime(self) -> dict[str, int]:
        """Read every seeded profile once with its owner's token (fills caches, warms pools),
        or send the list request a few times."""
        statuses: dict[str, int] = {}
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            if self.target.workload == "get":
                requests = [(f"/users/{p.id}", p.token) for p in self.stack.profiles]
            else:
                requests = [(self.request_path(), self.stack.admin_token)] * 20
            for path, token in requests:
                status, _, _ = self.request(path, token, connection)
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
