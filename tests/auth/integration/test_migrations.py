"""The auth migrations run up from nothing, all the way down, and up again, on real PostgreSQL:
every branch's downgrade undoes exactly what its upgrade did."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from alembic import command

from lms.auth.main import MIGRATIONS_DIR
from lms_platform.persistence.migrations import alembic_config
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url


async def _tables(dsn: str) -> set[str]:
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows}


async def test_upgrade_downgrade_upgrade(postgres_dsn: str) -> None:
    config = alembic_config(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(postgres_dsn))
    await asyncio.to_thread(command.upgrade, config, "heads")
    migrated = await _tables(postgres_dsn)
    assert {
        "colleges",
        "accounts",
        "refresh_tokens",
        "signing_keys",
        "audit_log",
        "college_role_permissions",
        "api_keys",
        "import_jobs",
        "outbox",
        "processed_messages",
    } <= migrated

    await asyncio.to_thread(command.downgrade, config, "base")
    assert await _tables(postgres_dsn) == {"alembic_version"}

    await asyncio.to_thread(command.upgrade, config, "heads")
    assert await _tables(postgres_dsn) == migrated


async def _version(dsn: str) -> str:
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    try:
        return str(await connection.fetchval("SELECT version_num FROM alembic_version"))
    finally:
        await connection.close()


async def test_migrations_run_one_transaction_each_with_a_lock_timeout(postgres_dsn: str) -> None:
    """Issue 8: migrations ran in one transaction without ``lock_timeout``. A migration that
    needs a lock someone holds (here: a long read of ``accounts``) must give up after the lock
    timeout instead of queueing every query of the table behind it, and the migrations before
    it stay applied (each is its own transaction)."""
    config = alembic_config(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(postgres_dsn))
    await asyncio.to_thread(command.upgrade, config, "0007")
    config.attributes["lock_timeout_ms"] = 300
    reader = await asyncpg.connect(to_asyncpg_dsn(postgres_dsn))
    transaction = reader.transaction()
    await transaction.start()
    await reader.fetchval("SELECT count(*) FROM accounts")  # holds ACCESS SHARE until the end
    migrating = asyncio.ensure_future(asyncio.to_thread(command.upgrade, config, "heads"))
    try:
        done, _ = await asyncio.wait({migrating}, timeout=20)
    finally:
        await transaction.rollback()
        await reader.close()
    if not done:
        await migrating
        pytest.fail("the migration waited for the lock instead of timing out")
    with pytest.raises(Exception, match="lock timeout"):
        migrating.result()
    # 0008 (signing keys) committed on its own and stays. The run stopped at the first migration
    # that needed the reader to finish: 0009 (its CREATE INDEX CONCURRENTLY waits for every
    # older transaction) or 0010_signup (ALTER TABLE accounts); 0010_signup, which also alters
    # colleges before accounts, left nothing behind.
    assert await _version(postgres_dsn) in {"0008", "0009"}
    connection = await asyncpg.connect(to_asyncpg_dsn(postgres_dsn))
    try:
        added = await connection.fetchval(
            "SELECT count(*) FROM information_schema.columns "
            "WHERE table_name = 'colleges' AND column_name = 'signup_requires_verification'"
        )
    finally:
        await connection.close()
    assert added == 0
    await asyncio.to_thread(command.upgrade, config, "heads")  # the lock gone, it goes through
    assert await _version(postgres_dsn) not in {"0007", "0008", "0009"}


# The export documented in docs/services/notification.md ("Carrying auth's templates over").
EXPORT_SQL = (
    "SELECT row_to_json(t)::text FROM (SELECT id, college_id, kind, version, subject, text_body,"
    " html_body, created_at, created_by FROM email_templates"
    " ORDER BY college_id, kind, version) t"
)


async def test_email_templates_are_dropped_only_once_carried_over(
    postgres_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = alembic_config(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(postgres_dsn))
    await asyncio.to_thread(command.upgrade, config, "0011_reset_queue")
    connection = await asyncpg.connect(to_asyncpg_dsn(postgres_dsn))
    try:
        college = await connection.fetchval(
            "INSERT INTO colleges (id, slug, name, min_password_length,"
            " required_character_classes, rejected_passwords, created_at, allow_self_signup,"
            " signup_requires_verification)"
            " VALUES (gen_random_uuid(), 'uni-a', 'Uni A', 12, '{}', '{}', now(), false, true)"
            " RETURNING id"
        )
        await connection.execute(
            "INSERT INTO email_templates (id, college_id, kind, version, subject, text_body,"
            " html_body, created_at) VALUES (gen_random_uuid(), $1, 'password_reset', 1,"
            " 'Reset', '{{ reset_url }}', '<p>{{ reset_url }}</p>', now())",
            college,
        )
        rows = await connection.fetch(EXPORT_SQL)
        assert len(rows) == 1
        exported = rows[0][0]
        assert json.loads(exported)["college_id"] == str(college)

        monkeypatch.delenv("LMS_AUTH_EMAIL_TEMPLATES_CARRIED_OVER", raising=False)
        with pytest.raises(RuntimeError, match="LMS_AUTH_EMAIL_TEMPLATES_CARRIED_OVER=1"):
            await asyncio.to_thread(command.upgrade, config, "heads")
        assert await _version(postgres_dsn) == "0011_reset_queue"
        assert await connection.fetchval("SELECT count(*) FROM email_templates") == 1

        monkeypatch.setenv("LMS_AUTH_EMAIL_TEMPLATES_CARRIED_OVER", "1")
        await asyncio.to_thread(command.upgrade, config, "heads")
        assert "email_templates" not in await _tables(postgres_dsn)
        assert await connection.fetchval("SELECT count(*) FROM colleges") == 1
    finally:
        await connection.close()
