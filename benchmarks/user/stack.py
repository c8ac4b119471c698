"""The servers the user service needs (PostgreSQL, Redis, Kafka API), on loopback, migrated and
seeded, plus the signing key: its JWKS is served over HTTP as the auth service will serve it."""

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
    _jwks_server: ThreadingHTTPServer | None = field(default=None, repr=False)

    @property
    def sqlalchemy_url(self) -> str:
        return to_asyncpg_sqlalchemy_url(self.dsn)

    def write_pairs(self, path: Path) -> Path:
        """The wrk script's input: one "<id> <token>" line per seeded profile."""
        path.write_text("".join(f"{p.id} {p.token}\n" for p in self.profiles))
        return path

    def close(self) -> None:
        if self._jwks_server is not None:
            self._jwks_server.shutdown()
            self._jwks_server.server_close()
        for server in (self.kafka, self.redis, self.postgres):
            with contextlib.suppress(Exception):
                server.close()


def start_stack(profile_count: int, log: Any = print) -> Stack:
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
        asyncio.run(_seed(dsn, profiles + outsiders))
        log(f"migrated and seeded {len(profiles)} profiles in {COLLEGE} (+{len(outsiders)} elsewhere)")
        jwks_server = _serve_jwks(tokens.jwks)
        jwks_url = f"http://127.0.0.1:{jwks_server.server_address[1]}/.well-known/jwks.json"
    except BaseException:
        for server in (kafka, redis, postgres):
            with contextlib.suppress(Exception):
                server.close()
        raise
    return Stack(postgres, redis, kafka, dsn, tokens, jwks_url, profiles, outsiders, jwks_server)


def _profiles(college: str, count: int, tokens: TokenFactory, prefix: str) -> list[SeededProfile]:
    profiles = []
    for index in range(count):
        profile_id = uuid.uuid4()
        token = tokens.mint(
            str(profile_id), college, roles=("student",), expires_in=TOKEN_LIFETIME_SECONDS
        )
        profiles.append(
            SeededProfile(
                id=profile_id,
                college=college,
                email=f"{prefix}{index:05d}@{college}.example.edu",
                display_name=f"{prefix.title()} {index:05d}",
                token=token,
            )
        )
    return profiles


async def _seed(dsn: str, profiles: list[SeededProfile]) -> None:
    now = datetime.now(UTC)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.copy_records_to_table(
            "profiles",
            columns=[
                "id", "tenant_id", "email", "display_name", "avatar_url", "bio", "timezone",
                "locale", "roles", "status", "preferences", "created_at", "updated_at", "version",
            ],
            records=[
                (
                    p.id, p.college, p.email, p.display_name,
                    f"https://cdn.example.edu/avatars/{p.id}.png",
                    "Studies computer science; likes distributed systems and long walks.",
                    "Europe/Berlin", "en", ["student"], "active", json.dumps(DEFAULT_PREFERENCES),
                    now, now, 1,
                )
                for p in profiles
            ],
        )  # fmt: skip
        await connection.execute("ANALYZE profiles")
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
