"""The servers the user service needs (PostgreSQL, Redis, Kafka API), on loopback, migrated and
seeded, plus the signing key: its JWKS is served over HTTP as the auth service will serve it.

Two databases, migrated alike: ``user_bench`` with the profiles the reads use (each with its
owner's token) and ``user_bench_large`` with ``large_count`` profiles in the same college, for
the list and search rows. Names are drawn from fixed lists of first and last names, so a
search for one last name matches 1 % of a college, as a search for a surname would.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
from lms_platform.persistence import upgrade_to_head
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import KafkaServer, PostgresServer, RedisServer

from lms.user.main import MIGRATIONS_DIR

COLLEGE = "college-bench"
OTHER_COLLEGE = "college-other"
DATABASE = "user_bench"
LARGE_DATABASE = "user_bench_large"
FIRST_NAMES = (
    "Ada Alan Barbara Claude Donald Edsger Frances Grace Hedy Ivan John Katherine Leslie Margaret "
    "Niklaus Ole Peter Radia Sophie Tim Ursula Vint Whitfield Xavier Yukihiro"
).split()
LAST_NAMES = (
    "Abbott Baker Carter Dawson Ellis Foster Garcia Hughes Ibarra Jensen Kowalski Larsen Moreno "
    "Nakamura Okafor Patel Quinn Rossi Schmidt Tanaka Umarov Varga Weber Xu Yilmaz Zhang Almeida "
    "Bianchi Castillo Dubois Eriksen Fischer Gomez Horvat Ivanova Jovanovic Kim Lopez Meyer "
    "Novak Olsen Petrov Ramos Silva Torres Ueda Vogel Wagner Young Ziegler Andersen Bauer Costa "
    "Diaz Evans Fernandez Gallo Hansen Ito Jung Keller Lambert Martin Nielsen Ortiz Pereira "
    "Richter Santos Takahashi Ulrich Vasquez Walker Yamamoto Zimmermann Adler Brandt Cruz Duarte "
    "Engel Ferrari Graf Hoffmann Iglesias Jimenez Kaiser Lehmann Marino Navarro Otto Popescu "
    "Reyes Suzuki Thomsen Urban Vidal Wolf Lovelace"
).split()
SEARCH_TERM = "nakamura"  # one of the 100 last names: 1 % of a college, any case matches
TOKEN_LIFETIME_SECONDS = 6 * 3600  # outlives any run, so no token expires mid-measurement
# The profile's preferences as the service stores them (every field, defaults).
DEFAULT_PREFERENCES = {
    "email_notifications": True,
    "push_notifications": True,
    "digest_frequency": "daily",
    "theme": "system",
    "high_contrast": False,
    "reduced_motion": False,
    "show_profile_to_classmates": True,
}


@dataclass(frozen=True)
class SeededProfile:
    id: uuid.UUID
    college: str
    email: str
    display_name: str
    token: str  # the profile owner's own token (role student)


@dataclass
class Stack:
    postgres: PostgresServer
    redis: RedisServer
    kafka: KafkaServer
    dsn: str  # postgresql://postgres@127.0.0.1:P/user_bench
    tokens: TokenFactory
    jwks_url: str
    profiles: list[SeededProfile]  # in COLLEGE
    outsiders: list[SeededProfile]  # in OTHER_COLLEGE, for the 404 check
    admin_token: str  # a college admin of COLLEGE (lists)
    large_dsn: str | None = None  # user_bench_large, when seeded
    large_count: int = 0
    _jwks_server: ThreadingHTTPServer | None = field(default=None, repr=False)
    _middle_keys: dict[str, tuple[str, uuid.UUID]] = field(default_factory=dict, repr=False)

    @property
    def sqlalchemy_url(self) -> str:
        return to_asyncpg_sqlalchemy_url(self.dsn)

    def dsn_for(self, database: str) -> str:
        if database == "large":
            if self.large_dsn is None:
                raise ValueError("the stack was started without large_count")
            return self.large_dsn
        return self.dsn

    def profile_count(self, database: str) -> int:
        return self.large_count if database == "large" else len(self.profiles)

    def write_pairs(self, path: Path, *, one_id: bool = False) -> Path:
        """The wrk script's input: one "<path> <token>" line per seeded profile (or only the
        first one), each profile read with its owner's token."""
        chosen = self.profiles[:1] if one_id else self.profiles
        path.write_text("".join(f"/users/{p.id} {p.token}\n" for p in chosen))
        return path

    def middle_key(self, database: str = "large") -> tuple[str, uuid.UUID]:
        """The (display name, id) of the middle profile of a college, in list order."""
        if database not in self._middle_keys:

            async def query() -> tuple[str, uuid.UUID]:
                connection = await asyncpg.connect(self.dsn_for(database))
                try:
                    row = await connection.fetchrow(
                        "SELECT display_name, id FROM profiles WHERE tenant_id = $1 AND "
                        "status <> 'deleted' ORDER BY display_name, id OFFSET $2 LIMIT 1",
                        COLLEGE,
                        self.profile_count(database) // 2,
                    )
                finally:
                    await connection.close()
                return str(row["display_name"]), row["id"]

            self._middle_keys[database] = asyncio.run(query())
        return self._middle_keys[database]

    def middle_cursor(self, database: str = "large") -> str:
        """The cursor a client holds after paging halfway through a college: what the service
        encodes for ``GET /users?limit=20`` (default sort, no filters)."""
        from lms_platform.http.pagination import encode_cursor, query_binding

        binding = query_binding("users", q=None, role=None, status=None, sort="display_name")
        return encode_cursor(self.middle_key(database), binding)

    def write_request(self, path: Path, request_path: str) -> Path:
        """The wrk script's input for one request, sent by the college admin."""
        path.write_text(f"{request_path} {self.admin_token}\n")
        return path

    def close(self) -> None:
        if self._jwks_server is not None:
            self._jwks_server.shutdown()
            self._jwks_server.server_close()
        for server in (self.kafka, self.redis, self.postgres):
            with contextlib.suppress(Exception):
                server.close()


def start_stack(profile_count: int, log: Any = print, *, large_count: int = 0) -> Stack:
    postgres, redis, kafka = PostgresServer(), RedisServer(), KafkaServer()
    try:
        for server in (postgres, redis, kafka):
            server.start()
            log(f"{server.name} ready on 127.0.0.1:{server.port} ({server.startup_seconds:.1f}s)")
        dsn = postgres.create_database(DATABASE)
        upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))
        tokens = TokenFactory()
        profiles = _profiles(COLLEGE, profile_count, tokens, "student")
        outsiders = _profiles(OTHER_COLLEGE, 10, tokens, "outsider")
        asyncio.run(_seed(dsn, [_record(p) for p in profiles + outsiders]))
        log(f"migrated and seeded {len(profiles)} profiles in {COLLEGE} (+{len(outsiders)} elsewhere)")
        large_dsn = None
        if large_count:
            large_dsn = postgres.create_database(LARGE_DATABASE)
            upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(large_dsn))
            records = [_record(p) for p in profiles + outsiders]
            records += [_bulk_record(i) for i in range(len(profiles), large_count)]
            asyncio.run(_seed(large_dsn, records))
            log(f"seeded {large_count} profiles in {COLLEGE} of {LARGE_DATABASE}")
        admin_token = tokens.mint(
            "bench-admin", COLLEGE, roles=("college_admin",),
            permissions=("profile:edit_own", "user:read", "user:manage"),
            expires_in=TOKEN_LIFETIME_SECONDS,
        )  # fmt: skip
        jwks_server = _serve_jwks(tokens.jwks)
        jwks_url = f"http://127.0.0.1:{jwks_server.server_address[1]}/.well-known/jwks.json"
    except BaseException:
        for server in (kafka, redis, postgres):
            with contextlib.suppress(Exception):
                server.close()
        raise
    return Stack(
        postgres, redis, kafka, dsn, tokens, jwks_url, profiles, outsiders, admin_token,
        large_dsn, large_count, jwks_server,
    )  # fmt: skip


def person(index: int) -> tuple[str, str]:
    """The display name and email local part of the ``index``-th seeded person."""
    last = LAST_NAMES[index % len(LAST_NAMES)]  # each last name: ~1 % of any 100 in a row
    first = FIRST_NAMES[(index + index // len(LAST_NAMES)) % len(FIRST_NAMES)]
    return f"{first} {last}", f"{first}.{last}.{index:06d}".lower()


def _profiles(college: str, count: int, tokens: TokenFactory, prefix: str) -> list[SeededProfile]:
    profiles = []
    for index in range(count):
        profile_id = uuid.uuid4()
        token = tokens.mint(
            str(profile_id), college, roles=("student",), expires_in=TOKEN_LIFETIME_SECONDS
        )
        name, local = person(index) if prefix == "student" else (f"Outsider {index:05d}", f"outsider{index:05d}")
        profiles.append(
            SeededProfile(
                id=profile_id,
                college=college,
                email=f"{local}@{college}.example.edu",
                display_name=name,
                token=token,
            )
        )
    return profiles


_NOW = datetime.now(UTC)
_BIO = "Studies computer science; likes distributed systems and long walks."
_PREFERENCES = json.dumps(DEFAULT_PREFERENCES)


def _record(p: SeededProfile) -> tuple[Any, ...]:
    return (
        p.id, p.college, p.email, p.display_name, f"https://cdn.example.edu/avatars/{p.id}.png",
        _BIO, "Europe/Berlin", "en", ["student"], "active", _PREFERENCES, _NOW, _NOW, 1,
    )  # fmt: skip


def _bulk_record(index: int) -> tuple[Any, ...]:
    name, local = person(index)
    profile_id = uuid.uuid4()
    return (
        profile_id, COLLEGE, f"{local}@{COLLEGE}.example.edu", name,
        f"https://cdn.example.edu/avatars/{profile_id}.png", _BIO, "Europe/Berlin", "en",
        ["student"], "active", _PREFERENCES, _NOW, _NOW, 1,
    )  # fmt: skip


async def _seed(dsn: str, records: list[tuple[Any, ...]]) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table(
            "profiles",
            columns=[
                "id", "tenant_id", "email", "display_name", "avatar_url", "bio", "timezone",
                "locale", "roles", "status", "preferences", "created_at", "updated_at", "version",
            ],
            records=records,
        )  # fmt: skip
        # Statistics for the planner, and the visibility map for index-only scans, as a table
        # that has lived a while would have them.
        await connection.execute("VACUUM ANALYZE profiles")
    finally:
        await connection.close()


def _serve_jwks(jwks: dict[str, Any]) -> ThreadingHTTPServer:
    body = json.dumps(jwks).encode()

    class JWKSHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), JWKSHandler)
    threading.Thread(target=server.serve_forever, name="jwks", daemon=True).start()
    return server
