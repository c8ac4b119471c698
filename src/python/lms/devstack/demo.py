"""Demo data, loaded through each service's public HTTP API as a real admin's would be: the
auth service's college and accounts, then each service's own steps (``DevService.demo``)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from lms.devstack.stack import Devstack

COLLEGE = "demo-college"
COLLEGE_NAME = "Demo College"
PLATFORM_COLLEGE = "platform"  # where the bootstrapped super admin lives
SUPER_ADMIN_EMAIL = "root@devstack.localhost"


@dataclass(frozen=True)
class DemoUser:
    email: str
    display_name: str
    roles: tuple[str, ...]


ADMIN = DemoUser("admin@demo.edu", "Dana Admin", ("college_admin",))
INSTRUCTOR = DemoUser("grace@demo.edu", "Grace Hopper", ("instructor",))
TEACHING_ASSISTANT = DemoUser("tess@demo.edu", "Tess Assistant", ("teaching_assistant",))
STUDENT = DemoUser("student1@demo.edu", "Ada Lovelace", ("student",))
DEMO_USERS = [
    ADMIN,
    INSTRUCTOR,
    DemoUser("alan@demo.edu", "Alan Turing", ("instructor",)),
    TEACHING_ASSISTANT,
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


def generated_password() -> str:
    # Meets the default college policy (12+ characters) and every optional character class.
    return f"Dev-{secrets.token_urlsafe(12)}-9a"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class DemoContext:
    """What demo steps share: where each service listens, the demo accounts, and ``state`` for
    ids one step creates and a later one uses (courses, sections, ...)."""

    devstack: Devstack
    urls: dict[str, str]
    root_password: str = field(default_factory=generated_password)
    password: str = field(default_factory=generated_password)
    college_id: str = ""
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # email -> auth account
    state: dict[str, Any] = field(default_factory=dict)
    _clients: dict[str, httpx.Client] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> httpx.Client:
        if service not in self._clients:
            client = httpx.Client(base_url=self.urls[service], timeout=30.0)
            self.devstack.stack.callback(client.close)
            self._clients[service] = client
        return self._clients[service]

    def token(self, email: str) -> str:
        """An access token of a demo account or the super admin (cached: they live 15 min)."""
        if email not in self._tokens:
            root = email == SUPER_ADMIN_EMAIL
            password = self.root_password if root else self.password
            college = PLATFORM_COLLEGE if root else COLLEGE
            response = self.client("auth").post(
                "/auth/login", json={"college": college, "email": email, "password": password}
            )
            _expect(response, 200, f"login of {email}")
            self._tokens[email] = response.json()["access_token"]
        return self._tokens[email]

    def call(
        self, service: str, method: str, path: str, *, as_user: str, expect: int = 200, **kw: Any
    ) -> Any:
        response = self.client(service).request(
            method, path, headers=bearer(self.token(as_user)), **kw
        )
        _expect(response, expect, f"{method} {service}{path}")
        return response.json() if response.content else None

    def account_id(self, user: DemoUser) -> str:
        return str(self.accounts[user.email]["id"])


@dataclass(frozen=True)
class DemoStep:
    label: str
    run: Callable[[DemoContext], Any]


def _expect(response: httpx.Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{what}: {response.status_code} {response.text[:500]}")


def wait_until(check: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    """For data that travels by events (outbox -> Kafka -> a consumer)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} still missing after {timeout:.0f} s; see the logs")
        time.sleep(0.25)


def call_once_known(
    context: DemoContext,
    service: str,
    method: str,
    path: str,
    *,
    as_user: str,
    what: str,
    not_yet: frozenset[int] = frozenset({404}),
    **kw: Any,
) -> Any:
    """``context.call`` for a request that depends on data still travelling by events: while
    the service answers a ``not_yet`` status (it has not seen the enrollment, the assignment,
    ...) ask again, until ``wait_until`` gives up. Returns the 200 or 201 body."""
    client = context.client(service)
    headers = bearer(context.token(as_user))
    answer: list[Any] = []

    def done() -> bool:
        response = client.request(method, path, headers=headers, **kw)
        if response.status_code in not_yet:
            return False
        if response.status_code not in (200, 201):
            raise RuntimeError(f"{what}: {response.status_code} {response.text[:300]}")
        answer.append(response.json() if response.content else None)
        return True

    wait_until(done, what)
    return answer[0]


# --- auth ---------------------------------------------------------------------------------------


def bootstrap_super_admin(context: DemoContext, env: dict[str, str]) -> None:
    context.devstack.one_shot(
        "auth-bootstrap",
        "lms.auth.main",
        "bootstrap",
        {
            **env,
            "LMS_AUTH_BOOTSTRAP_EMAIL": SUPER_ADMIN_EMAIL,
            "LMS_AUTH_BOOTSTRAP_PASSWORD": context.root_password,
        },
    )


def _college_and_accounts(context: DemoContext) -> None:
    root = SUPER_ADMIN_EMAIL
    college = context.call(
        "auth",
        "POST",
        "/colleges",
        as_user=root,
        expect=201,
        json={"slug": COLLEGE, "name": COLLEGE_NAME},
    )
    context.college_id = college["id"]
    for user in DEMO_USERS:
        context.accounts[user.email] = context.call(
            "auth",
            "POST",
            f"/colleges/{context.college_id}/accounts",
            as_user=root,
            expect=201,
            json={
                "email": user.email,
                "password": context.password,
                "display_name": user.display_name,
                "roles": list(user.roles),
            },
        )


AUTH_STEPS = [
    DemoStep(
        f"Creating '{COLLEGE}' and {len(DEMO_USERS)} accounts through the auth API",
        _college_and_accounts,
    ),
]


# --- user ---------------------------------------------------------------------------------------


def _profiles_arrived(context: DemoContext) -> None:
    client = context.client("user")
    headers = bearer(context.token(ADMIN.email))
    missing = [str(account["id"]) for account in context.accounts.values()]

    def arrived() -> bool:
        while missing:
            response = client.get(f"/users/{missing[0]}", headers=headers)
            if response.status_code == 404:
                return False
            _expect(response, 200, "user service")
            missing.pop(0)
        return True

    wait_until(arrived, "profiles")


USER_STEPS = [
    DemoStep(
        "Waiting for their profiles in the user service (account.registered via Kafka)",
        _profiles_arrived,
    ),
]


def write_credentials(context: DemoContext, workdir: Path) -> tuple[Path, Path]:
    credentials = workdir / "dev-credentials"
    credentials.write_text(
        f"# LMS devstack credentials (this start only)\n"
        f"super_admin college={PLATFORM_COLLEGE} email={SUPER_ADMIN_EMAIL} "
        f"password={context.root_password}\n"
        f"demo_accounts college={COLLEGE} password={context.password}\n"
    )
    credentials.chmod(0o600)
    token_file = workdir / "dev-token"
    token_file.write_text(context.token(ADMIN.email) + "\n")
    token_file.chmod(0o600)
    return credentials, token_file


def print_how_to_log_in(context: DemoContext, credentials: Path, token_file: Path) -> None:
    auth_url, user_url = context.urls["auth"], context.urls["user"]
    print("Credentials, generated for this start (also in " + str(credentials) + ", mode 0600):")
    print(
        f"  super admin     college '{PLATFORM_COLLEGE}', {SUPER_ADMIN_EMAIL}, "
        f"password {context.root_password}"
    )
    print(f"  demo accounts   college '{COLLEGE}', password {context.password} for every account:")
    for user in DEMO_USERS:
        print(f"                  {user.email:<24} {', '.join(user.roles)}")
    print()
    login = (
        f"curl -s -X POST {auth_url}/auth/login -H 'Content-Type: application/json' "
        f'-d \'{{"college": "{COLLEGE}", "email": "{STUDENT.email}", '
        f'"password": "{context.password}"}}\''
    )
    print("Get a token (access tokens live 15 minutes; POST /auth/refresh renews them):")
    print(f"  {login}")
    print()
    print("Then, as the student, read your own profile:")
    print(
        f"  TOKEN=$({login} "
        "| python3 -c 'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )
    print(
        f'  curl -s -H "Authorization: Bearer $TOKEN" '
        f"{user_url}/users/{context.account_id(STUDENT)}"
    )
    print()
    print(f"The college admin's token (valid 15 minutes) is in {token_file}:")
    print(f'  curl -s -H "Authorization: Bearer $(cat {token_file})" {user_url}/users')


def all_steps(step_lists: Sequence[Sequence[DemoStep]]) -> list[DemoStep]:
    return [step for steps in step_lists for step in steps]
