"""The auth-service benchmark: ``benchmarks/auth/run.sh`` (see docs/benchmarks/auth.md).

It starts PostgreSQL, Redis and the Kafka API on loopback, migrates the auth and user databases,
runs both services as they run in production (one process each, ``python -m lms.<svc>.main
serve``, default settings), bootstraps a super admin and seeds one college through auth's HTTP
API, then measures:

  (a) login throughput and latency with wrk (POST /auth/login) at several concurrencies, at the
      password-hash parameters the service's settings choose, plus the bare hash cost;
  (b) the cost of verifying an auth-issued token in another service: ``TokenVerifier`` with a
      ``JWKSKeySource`` on auth's JWKS, cold (new process: JWKS fetched), key cached (a token
      not seen before) and token cached (a repeat request);
  (c) the time from registering an account over HTTP to its profile being readable in the user
      service (outbox -> Kafka -> the user consumer), polled, p50/p95 over N accounts.

It writes ``docs/benchmarks/auth-results.json`` and ``docs/benchmarks/auth.md``. Only the
standard library is imported at the top: it re-executes itself inside the benchmark venv first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.user import environment

COLLEGE = "bench"
ROOT_EMAIL = "root@bench.example"
ADMIN_EMAIL = "admin@bench.example"
PASSWORD = "Bench-password-1234"  # meets the default policy; only ever on loopback


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks/auth/run.sh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=200, help="accounts seeded for the login load")
    parser.add_argument("--login-connections", default="1,2,4,16", help="wrk concurrencies, comma-separated")
    parser.add_argument("--duration", type=int, default=20, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=4, help="seconds of the discarded warm-up run")
    parser.add_argument("--profile-seconds", type=int, default=15, help="py-spy of auth during logins (0: none)")
    parser.add_argument("--hash-samples", type=int, default=40, help="bare password-hash verifications")
    parser.add_argument("--verify-cold", type=int, default=300, help="cold verifications (new key source each)")
    parser.add_argument("--verify-warm", type=int, default=20000, help="verifications with keys or token cached")
    parser.add_argument("--e2e-accounts", type=int, default=100, help="accounts timed register -> profile")
    parser.add_argument("--probe-accounts", type=int, default=30, help="accounts of the delivery probe")
    parser.add_argument("--poll-ms", type=float, default=2.0, help="user-service poll interval in (c)")
    parser.add_argument("--max-other-cores", type=float, default=0.25,
                        help="before each part, wait (up to --quiet-wait s) until processes outside the benchmark use less")
    parser.add_argument("--quiet-wait", type=float, default=180.0)
    parser.add_argument("--output-dir", type=Path, default=environment.REPO_ROOT / "docs" / "benchmarks")
    parser.add_argument("--venv", type=Path, default=environment.DEFAULT_VENV)
    parser.add_argument("--no-venv", action="store_true", help="run in the current interpreter")
    parser.add_argument("--render-only", type=Path, default=None, metavar="RESULTS_JSON",
                        help="only rewrite auth.md from a results file")
    return parser.parse_args(argv)  # fmt: skip


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentiles(samples: list[float], digits: int = 1) -> dict[str, float]:
    """Nearest-rank percentiles (no interpolation: every value was observed)."""
    ordered = sorted(samples)

    def rank(p: float) -> float:
        return round(ordered[max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))], digits)

    return {
        "n": len(ordered),
        "min": round(ordered[0], digits),
        "p50": rank(50),
        "p90": rank(90),
        "p95": rank(95),
        "p99": rank(99),
        "max": round(ordered[-1], digits),
        "mean": round(sum(ordered) / len(ordered), digits),
    }


def other_cores(groups: dict[str, int], window_s: float = 2.0) -> float:
    """Cores used over the window by processes that are not part of the benchmark."""
    from benchmarks.user.load import CpuAccount

    account = CpuAccount(groups)
    time.sleep(window_s)
    return float(account.finish()["cores_used"]["other"])


def wait_for_quiet(args: argparse.Namespace, part: str, groups: dict[str, int]) -> None:
    """Other people's jobs share these cores: start each part when they are (mostly) done."""
    deadline = time.monotonic() + args.quiet_wait
    other = other_cores(groups)
    while other > args.max_other_cores and time.monotonic() < deadline:
        log(f"{part}: other processes use {other:.2f} cores, waiting for them to finish")
        other = other_cores(groups, 5.0)
    args.quiet_log[part] = round(other, 2)


# --- the stack ---------------------------------------------------------------------------------


class Stack:
    """PostgreSQL, Redis, Kafka API and the two services, each service in its own session."""

    def __init__(self, work_dir: Path) -> None:
        from lms_platform.testing.servers import KafkaServer, PostgresServer, RedisServer

        self.work_dir = work_dir
        self.postgres, self.redis, self.kafka = PostgresServer(), RedisServer(), KafkaServer()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.urls: dict[str, str] = {}

    def start_servers(self) -> None:
        from lms.auth.main import MIGRATIONS_DIR as AUTH_MIGRATIONS
        from lms.user.main import MIGRATIONS_DIR as USER_MIGRATIONS
        from lms_platform.persistence import upgrade_to_head
        from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url

        for server in (self.postgres, self.redis, self.kafka):
            server.start()
            log(f"{server.name} ready on 127.0.0.1:{server.port}")
        self.auth_db = to_asyncpg_sqlalchemy_url(self.postgres.create_database("auth_bench"))
        self.user_db = to_asyncpg_sqlalchemy_url(self.postgres.create_database("user_bench"))
        upgrade_to_head(AUTH_MIGRATIONS, self.auth_db)
        upgrade_to_head(USER_MIGRATIONS, self.user_db)
        self.auth_env = {
            "LMS_AUTH_ENVIRONMENT": "benchmark",
            "LMS_AUTH_DATABASE_URL": self.auth_db,
            "LMS_AUTH_REDIS_URL": self.redis.url,
            "LMS_AUTH_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "LMS_AUTH_HTTP_PORT": str(_free_port()),
            "LMS_AUTH_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "LMS_AUTH_API_KEY_PEPPER": secrets.token_urlsafe(32),
        }

    def _env(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            **os.environ,
            **extra,
            "PYTHONPATH": os.pathsep.join(str(p) for p in environment.PYTHONPATH),
        }

    def run_once(self, name: str, module: str, command: str, env: dict[str, str]) -> None:
        with (self.work_dir / f"{name}.log").open("ab") as out:
            result = subprocess.run(
                [sys.executable, "-m", module, command], env=self._env(env), stdout=out, stderr=subprocess.STDOUT
            )
        if result.returncode != 0:
            raise RuntimeError(f"{module} {command} failed; see {self.work_dir / f'{name}.log'}")

    def start_service(self, name: str, env: dict[str, str], port: int) -> str:
        import httpx

        out = (self.work_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", f"lms.{name}.main", "serve"],
            env=self._env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.work_dir / f'{name}.log'}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    self.urls[name] = url
                    log(f"{name} ready on {url} (pid {process.pid})")
                    return url
            time.sleep(0.2)
        raise RuntimeError(f"{name} not ready after 60 s")

    def start_user(self) -> str:
        port = _free_port()
        env = {
            "LMS_USER_DATABASE_URL": self.user_db,
            "LMS_USER_REDIS_URL": self.redis.url,
            "LMS_USER_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "LMS_USER_JWKS_URL": f"{self.urls['auth']}/.well-known/jwks.json",
            "LMS_USER_HTTP_PORT": str(port),
        }
        return self.start_service("user", env, port)

    def groups(self) -> dict[str, int]:
        """Process trees of the benchmark, for CPU accounting (everything else is "other")."""
        groups = {name: process.pid for name, process in self.processes.items()}
        for server in (self.postgres, self.redis, self.kafka):
            if server.pid is not None:
                groups[server.name] = server.pid
        return groups

    def close(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for server in (self.kafka, self.redis, self.postgres):
            with contextlib.suppress(Exception):
                server.close()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- seeding through the HTTP API ---------------------------------------------------------------


async def _login(client: Any, college: str, email: str) -> dict[str, Any]:
    response = await client.post("/auth/login", json={"college": college, "email": email, "password": PASSWORD})
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


async def seed(auth_url: str, accounts: int) -> dict[str, Any]:
    import httpx

    async with httpx.AsyncClient(base_url=auth_url, timeout=60) as client:
        root = (await _login(client, "platform", ROOT_EMAIL))["access_token"]
        response = await client.post(
            "/colleges", json={"slug": COLLEGE, "name": "Benchmark College"}, headers=_bearer(root)
        )
        response.raise_for_status()
        college_id = response.json()["id"]
        admin = await _create_account(client, root, college_id, ADMIN_EMAIL, "college_admin")
        semaphore = asyncio.Semaphore(4)

        async def student(index: int) -> str:
            async with semaphore:
                email = f"student{index:05d}@bench.example"
                await _create_account(client, root, college_id, email, "student")
                return email

        emails = await asyncio.gather(*(student(i) for i in range(accounts)))
    return {"college_id": college_id, "admin_id": admin["id"], "emails": list(emails)}


async def _create_account(client: Any, token: str, college_id: str, email: str, role: str) -> dict[str, Any]:
    response = await client.post(
        f"/colleges/{college_id}/accounts",
        json={"email": email, "password": PASSWORD, "roles": [role], "display_name": email.split("@")[0]},
        headers=_bearer(token),
    )
    if response.status_code != 201:
        raise RuntimeError(f"creating {email}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- (a) login ------------------------------------------------------------------------------------


def hash_parameters() -> dict[str, Any]:
    """What the service's settings choose for new password hashes (defaults, as deployed)."""
    from lms.auth.config import AuthSettings

    fields = set(AuthSettings.__struct_fields__)
    defaults = AuthSettings()
    if "argon2_memory_kib" in fields:
        return {
            "algorithm": "argon2id",
            "time_cost": defaults.argon2_time_cost,  # type: ignore[attr-defined]
            "memory_kib": defaults.argon2_memory_kib,  # type: ignore[attr-defined]
            "parallelism": defaults.argon2_parallelism,  # type: ignore[attr-defined]
        }
    return {"algorithm": "scrypt", "n": defaults.scrypt_n, "r": 8, "p": 1}


def bare_hash_ms(params: dict[str, Any], samples: int) -> dict[str, float]:
    """One verification of a stored hash, on one core, without the service around it."""
    import hashlib

    timings = []
    if params["algorithm"] == "argon2id":
        from argon2 import PasswordHasher, Type

        hasher = PasswordHasher(
            time_cost=params["time_cost"], memory_cost=params["memory_kib"],
            parallelism=params["parallelism"], type=Type.ID,
        )  # fmt: skip
        stored = hasher.hash(PASSWORD)
        for _ in range(samples):
            started = time.perf_counter()
            hasher.verify(stored, PASSWORD)
            timings.append((time.perf_counter() - started) * 1000)
    else:
        n = params["n"]
        for _ in range(samples):
            started = time.perf_counter()
            hashlib.scrypt(PASSWORD.encode(), salt=b"0" * 16, n=n, r=8, p=1, maxmem=2 * 128 * 8 * n + 2**20, dklen=32)
            timings.append((time.perf_counter() - started) * 1000)
    return percentiles(timings, 2)


def login_load(stack: Stack, emails: list[str], connections: list[int], args: argparse.Namespace) -> list[dict[str, Any]]:
    from benchmarks.user.load import run_wrk

    wrk = environment.ensure_wrk()
    accounts_file = stack.work_dir / "accounts.txt"
    accounts_file.write_text("".join(f"{COLLEGE} {email} {PASSWORD}\n" for email in emails))
    script = Path(__file__).with_name("login.lua")
    url = stack.urls["auth"]
    groups = stack.groups()
    runs = []
    for conns in connections:
        threads = min(2, conns)
        wait_for_quiet(args, f"login c={conns}", groups)

        def command(seconds: int) -> list[str]:
            return [wrk, f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout=10s", "--latency",
                    "-s", str(script), url, "--", str(accounts_file)]  # fmt: skip

        run_wrk(command(args.warmup), timeout_s=args.warmup + 30)
        result = run_wrk(command(args.duration), timeout_s=args.duration + 30, account_groups=groups)
        result.pop("wrk_output", None)
        result["connections"] = conns
        result["threads"] = threads
        result["command"] = (
            shlex.join(command(args.duration))
            .replace(str(accounts_file), "accounts.txt")
            .replace(str(environment.REPO_ROOT) + "/", "")
            .replace(url, "http://127.0.0.1:PORT")
        )
        log(f"login c={conns}: {result['rps']} logins/s, p50 {result['latency_ms']['p50']} ms, "
            f"p99 {result['latency_ms']['p99']} ms, non-2xx {result['non_2xx']}, "
            f"cores used: {result['cpu']['cores_used']}")  # fmt: skip
        runs.append(result)
    return runs, accounts_file


# Where the auth process's CPU goes during logins: py-spy stacks, grouped by the first concern
# found in each stack (the order matters: a hash called from a handler counts as the hash).
CONCERNS = [
    ("argon2id / scrypt hash", ("argon2", "scrypt")),
    ("RSA signature (JWT)", ("jwt/", "cryptography", "jwt_tokens")),
    ("outbox relay + Kafka client", ("relay.py", "aiokafka")),
    ("PostgreSQL (SQLAlchemy, asyncpg)", ("asyncpg", "sqlalchemy", "advanced_alchemy")),
    ("Redis (throttle)", ("redis/",)),
    ("logging", ("structlog", "/logging/")),
    ("HTTP, framework, DI, JSON", ("litestar", "uvicorn", "httptools", "h11", "dishka", "msgspec")),
    ("event loop", ("asyncio",)),
]


def _py_spy() -> str | None:
    import shutil

    for candidate in (Path(sys.executable).with_name("py-spy"), environment.DEFAULT_VENV / "bin" / "py-spy"):
        if candidate.exists():
            return str(candidate)
    return shutil.which("py-spy")


def login_profile(stack: Stack, accounts_file: Path, seconds: int) -> dict[str, Any]:
    """py-spy on the auth process while one connection logs in back to back."""
    import collections

    spy = _py_spy()
    if spy is None:
        return {"skipped": "py-spy not found (it is in the benchmark venv)"}
    script = Path(__file__).with_name("login.lua")
    load = subprocess.Popen(
        [environment.ensure_wrk(), "-t1", "-c1", f"-d{seconds + 6}s", "-s", str(script),
         stack.urls["auth"], "--", str(accounts_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    raw = stack.work_dir / "login-stacks.txt"
    try:
        time.sleep(3)
        subprocess.run(
            [spy, "record", "--pid", str(stack.processes["auth"].pid), "--duration", str(seconds), "--rate", "250",
             "--format", "raw", "--threads", "--nonblocking", "--output", str(raw)],
            check=True, capture_output=True,
        )  # fmt: skip
    finally:
        load.wait(timeout=seconds + 30)
    totals: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        frames, _, count = line.rpartition(" ")
        label = next((name for name, needles in CONCERNS if any(n in frames for n in needles)), "other")
        totals[label] += int(count)
    samples = sum(totals.values())
    return {
        "seconds": seconds,
        "samples": samples,
        "share_percent": {label: round(100 * count / samples, 1) for label, count in totals.most_common()},
    }


# --- (b) verification -------------------------------------------------------------------------------


async def verification_cost(auth_url: str, email: str, cold: int, warm: int) -> dict[str, Any]:
    import httpx
    from lms_platform.security import JWKSKeySource, TokenVerifier

    async with httpx.AsyncClient(base_url=auth_url, timeout=30) as client:
        token = (await _login(client, COLLEGE, email))["access_token"]
    jwks_url = f"{auth_url}/.well-known/jwks.json"

    def verifier(keys: Any) -> Any:
        return TokenVerifier(keys, issuer="lms-auth", audience="lms")

    cold_us = []
    for _ in range(cold):  # a freshly started process: no keys, no connection
        keys = JWKSKeySource(jwks_url)
        started = time.perf_counter_ns()
        await verifier(keys).verify(token)
        cold_us.append((time.perf_counter_ns() - started) / 1000)
        await keys.aclose()

    keys = JWKSKeySource(jwks_url)
    await verifier(keys).verify(token)  # fetch the JWKS once
    new_token_us = []
    for _ in range(warm):  # a token this process has not seen: header, key lookup, RS256 check
        fresh = verifier(keys)
        started = time.perf_counter_ns()
        await fresh.verify(token)
        new_token_us.append((time.perf_counter_ns() - started) / 1000)

    cached = verifier(keys)
    await cached.verify(token)
    cached_us = []
    for _ in range(warm):  # the same client again: the verified principal is reused
        started = time.perf_counter_ns()
        await cached.verify(token)
        cached_us.append((time.perf_counter_ns() - started) / 1000)
    await keys.aclose()
    return {
        "token_bytes": len(token),
        "cold_jwks_fetch_us": percentiles(cold_us),
        "key_cached_new_token_us": percentiles(new_token_us),
        "token_cached_us": percentiles(cached_us, 2),
    }


# --- (c) account.registered -> profile ------------------------------------------------------------


async def registration_to_profile(stack: Stack, college_id: str, count: int, poll_ms: float) -> dict[str, Any]:
    import httpx

    async with (
        httpx.AsyncClient(base_url=stack.urls["auth"], timeout=30) as auth,
        httpx.AsyncClient(base_url=stack.urls["user"], timeout=30) as user,
    ):
        admin = _bearer((await _login(auth, COLLEGE, ADMIN_EMAIL))["access_token"])

        async def one(index: int, timeout: float) -> tuple[float, float]:
            sent = time.perf_counter()
            account = await _create_account(auth, admin["Authorization"][7:], college_id,
                                            f"e2e{index:05d}@bench.example", "student")  # fmt: skip
            committed = time.perf_counter()
            while True:
                response = await user.get(f"/users/{account['id']}", headers=admin)
                if response.status_code == 200:
                    seen = time.perf_counter()
                    return (seen - committed) * 1000, (committed - sent) * 1000
                if response.status_code != 404:
                    raise RuntimeError(f"user service: {response.status_code} {response.text}")
                if time.perf_counter() - committed > timeout:
                    raise RuntimeError(f"profile {account['id']} not there after {timeout} s")
                await asyncio.sleep(poll_ms / 1000)

        # The first event waits for the consumer group to join; not part of the steady state.
        first_ms, _ = await one(-1, 120)
        for warm in range(3):
            await one(-2 - warm, 30)
        visible, register = [], []
        for index in range(count):
            to_profile, post = await one(index, 30)
            visible.append(to_profile)
            register.append(post)
    return {
        "first_event_ms": round(first_ms, 1),
        "poll_interval_ms": poll_ms,
        "registered_to_profile_ms": percentiles(visible),
        "register_request_ms": percentiles(register),
    }


async def delivery_probe(stack: Stack, college_id: str, count: int, fetch_max_wait_ms: int) -> dict[str, Any]:
    """Commit of a registration -> the event in a plain aiokafka consumer's hands: the relay and
    the broker without the user service, to show what the fetch wait contributes to (c)."""
    import httpx
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        "account", bootstrap_servers=stack.kafka.bootstrap_servers, group_id=f"probe-{fetch_max_wait_ms}",
        auto_offset_reset="latest", fetch_max_wait_ms=fetch_max_wait_ms, session_timeout_ms=3000,
        heartbeat_interval_ms=500,
    )  # fmt: skip
    await consumer.start()
    try:
        while not consumer.assignment():
            await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # let the first fetch settle at the end of the log
        timings = []
        async with httpx.AsyncClient(base_url=stack.urls["auth"], timeout=30) as auth:
            admin = (await _login(auth, COLLEGE, ADMIN_EMAIL))["access_token"]
            for index in range(count):
                email = f"probe{fetch_max_wait_ms}-{index:04d}@bench.example"
                account = await _create_account(auth, admin, college_id, email, "student")
                committed = time.perf_counter()
                wanted = account["id"].encode()
                while True:
                    batch = await consumer.getmany(timeout_ms=5000)
                    if any(m.key == wanted or wanted in (m.value or b"") for ms in batch.values() for m in ms):
                        break
                timings.append((time.perf_counter() - committed) * 1000)
    finally:
        await consumer.stop()
    return percentiles(timings)


# --- main ----------------------------------------------------------------------------------------


def _reexec_in_venv(venv: Path, argv: list[str]) -> None:
    if Path(sys.prefix).resolve() == venv.resolve():
        return
    python = environment.ensure_venv(venv)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in environment.PYTHONPATH)
    env["PYTHONUNBUFFERED"] = "1"
    os.execve(str(python), [str(python), "-m", "benchmarks.auth.runner", *argv], env)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    from benchmarks.auth import report

    if args.render_only is not None:
        path = report.write(json.loads(args.render_only.read_text()), args.output_dir)
        log(f"wrote {path}")
        return 0
    if not args.no_venv:
        _reexec_in_venv(args.venv, argv)
    sys.path[:0] = [str(p) for p in environment.PYTHONPATH if str(p) not in sys.path]
    from benchmarks.user.load import CpuAccount, load_average

    results: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                     cwd=environment.REPO_ROOT).stdout.strip(),  # fmt: skip
        "command": "benchmarks/auth/run.sh " + shlex.join(argv),
        "machine": environment.machine_description(),
        "load_average_before": load_average(),
        "hash": hash_parameters(),
    }
    args.quiet_log = results["other_cores_before_part"] = {}
    log(f"password hash as configured: {results['hash']}")
    wait_for_quiet(args, "bare hash", {})
    results["hash"]["bare_verify_ms"] = bare_hash_ms(results["hash"], args.hash_samples)
    log(f"bare hash verify: {results['hash']['bare_verify_ms']}")
    with tempfile.TemporaryDirectory(prefix="lms-auth-bench-") as tmp:
        stack = Stack(Path(tmp))
        try:
            stack.start_servers()
            stack.run_once("bootstrap", "lms.auth.main", "bootstrap", {
                **stack.auth_env, "LMS_AUTH_BOOTSTRAP_EMAIL": ROOT_EMAIL, "LMS_AUTH_BOOTSTRAP_PASSWORD": PASSWORD,
            })  # fmt: skip
            stack.start_service("auth", stack.auth_env, int(stack.auth_env["LMS_AUTH_HTTP_PORT"]))
            seeded = asyncio.run(seed(stack.urls["auth"], args.accounts))
            log(f"seeded {len(seeded['emails'])} accounts in '{COLLEGE}'")
            connections = [int(c) for c in args.login_connections.split(",") if c]
            results["login"], accounts_file = login_load(stack, seeded["emails"], connections, args)
            if args.profile_seconds:
                wait_for_quiet(args, "login profile", stack.groups())
                results["login_profile"] = login_profile(stack, accounts_file, args.profile_seconds)
                log(f"login profile: {results['login_profile']}")
            wait_for_quiet(args, "verification", stack.groups())
            account = CpuAccount(stack.groups())
            results["verification"] = asyncio.run(
                verification_cost(stack.urls["auth"], seeded["emails"][0], args.verify_cold, args.verify_warm)
            )
            results["verification"]["cpu"] = account.finish()
            log(f"verification: {results['verification']}")
            stack.start_user()
            wait_for_quiet(args, "registration to profile", stack.groups())
            account = CpuAccount(stack.groups())
            results["registration_to_profile"] = asyncio.run(
                registration_to_profile(stack, seeded["college_id"], args.e2e_accounts, args.poll_ms)
            )
            results["registration_to_profile"]["cpu"] = account.finish()
            log(f"register -> profile: {results['registration_to_profile']}")
            results["delivery_probe_ms"] = {
                str(wait): asyncio.run(delivery_probe(stack, seeded["college_id"], args.probe_accounts, wait))
                for wait in (500, 20)
            }
            log(f"commit -> plain consumer, by fetch_max_wait_ms: {results['delivery_probe_ms']}")
        finally:
            stack.close()
    results["load_average_after"] = load_average()
    path = report.write(results, args.output_dir)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
