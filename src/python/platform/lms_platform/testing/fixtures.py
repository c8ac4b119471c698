"""pytest fixtures for real servers; ``tests/conftest.py`` star-imports this module.

One server of each kind per test session, started only when a test asks for it. Each test gets
its own database, a flushed Redis and a unique Kafka topic prefix, so tests never see each
other's data. A missing binary fails the test with the install command; nothing is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest

from lms_platform.testing.mongo import INSTALLED as MONGO_INSTALLS
from lms_platform.testing.mongo import MongoServer
from lms_platform.testing.servers import (
    KafkaServer,
    ManagedProcess,
    Migrate,
    PostgresServer,
    RedisServer,
)

__all__ = [
    "fresh_database",
    "kafka_bootstrap",
    "kafka_namespace",
    "kafka_server",
    "make_database_template",
    "mongo_database",
    "mongo_server",
    "mongo_url",
    "postgres_dsn",
    "postgres_server",
    "pytest_terminal_summary",
    "redis_server",
    "redis_url",
]

_started_servers: list[ManagedProcess] = []
ServerT = TypeVar("ServerT", bound=ManagedProcess)


def _session_server(server: ServerT) -> Iterator[ServerT]:
    _started_servers.append(server)
    try:
        server.start()
        yield server
    finally:
        server.close()


# --- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    yield from _session_server(PostgresServer())


@pytest.fixture(scope="session")
def make_database_template(postgres_server: PostgresServer) -> Callable[[str, Migrate], str]:
    """``make_database_template(name, migrate) -> name``: migrate once per session, then clone.

    ``migrate(dsn)`` may be sync or async. A service conftest typically does::

        @pytest.fixture(scope="session")
        def user_template(make_database_template):
            return make_database_template("user_template", run_user_migrations)

        @pytest.fixture()
        def user_dsn(fresh_database, user_template):
            return fresh_database(user_template)
    """
    return postgres_server.create_template


@pytest.fixture()
def fresh_database(postgres_server: PostgresServer) -> Iterator[Callable[..., str]]:
    """``fresh_database(template=None) -> dsn``: a new database for this test, dropped after it."""
    postgres_server.ensure_running()
    created: list[str] = []

    def create(template: str | None = None) -> str:
        name = f"test_{uuid.uuid4().hex[:12]}"
        dsn = postgres_server.create_database(name, template=template)
        created.append(name)
        return dsn

    yield create
    postgres_server.ensure_running()  # the test may have stopped or paused it
    for name in created:
        postgres_server.drop_database(name)


@pytest.fixture()
def postgres_dsn(fresh_database: Callable[..., str]) -> str:
    """``postgresql://postgres@127.0.0.1:PORT/test_xxx``, an empty database of this test's own."""
    return fresh_database()


# --- Redis -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    yield from _session_server(RedisServer())


@pytest.fixture()
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0``, flushed before the test."""
    redis_server.ensure_running()
    redis_server.flushall()
    return redis_server.url


# --- Kafka ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[KafkaServer]:
    yield from _session_server(KafkaServer())


@pytest.fixture()
def kafka_bootstrap(kafka_server: KafkaServer) -> str:
    """``127.0.0.1:PORT``; the broker is restarted first if an earlier test left it stopped."""
    kafka_server.ensure_running()
    return kafka_server.bootstrap_servers


@pytest.fixture()
def kafka_namespace() -> str:
    """A topic prefix unique to this test, e.g. ``t3f9a2c01.``; name topics ``f"{ns}user"``."""
    return f"t{uuid.uuid4().hex[:8]}."


# --- reporting -------------------------------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for installed in MONGO_INSTALLS:
        terminalreporter.write_line(f"test servers installed: {installed}")
    started = [server for server in _started_servers if server.first_startup_seconds is not None]
    if not started:
        return
    parts = [
        f"{server.name} {(server.prepare_seconds or 0) + (server.first_startup_seconds or 0):.2f}s"
        f" (prepare {server.prepare_seconds or 0:.2f}s, spawn to ready"
        f" {server.first_startup_seconds or 0:.2f}s)"
        for server in started
    ]
    terminalreporter.write_line("test servers ready in: " + ", ".join(parts))


# --- MongoDB protocol (secantusdb) -----------------------------------------------------------------


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[MongoServer]:
    """The session's MongoDB-protocol server; the first run on a machine installs secantusdb
    into a venv of its own (lms_platform.testing.mongo) and prints that it does."""
    yield from _session_server(MongoServer())


@pytest.fixture()
def mongo_url(mongo_server: MongoServer) -> str:
    """``mongodb://127.0.0.1:PORT/?directConnection=true``; pair it with ``mongo_database``."""
    mongo_server.ensure_running()
    return mongo_server.url


@pytest.fixture()
def mongo_database(mongo_server: MongoServer) -> Iterator[str]:
    """A database name of this test's own, dropped after it."""
    mongo_server.ensure_running()
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield name
    mongo_server.ensure_running()  # the test may have paused it
    mongo_server.drop_database(name)
