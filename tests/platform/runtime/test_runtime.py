"""The service runtime against real servers: background work starts and stops in order, and
``worker`` mode runs the relay and consumers without HTTP, then on SIGTERM stops them and
closes the container and its clients."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from lms.user.config import UserSettings
from lms.user.main import SERVICE
from lms_platform.runtime import ServiceRuntime
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.services import migrate_with, settings_for_test


@pytest.fixture
def settings(
    make_database_template: Callable[..., str],
    fresh_database: Callable[..., str],
    redis_url: str,
    kafka_bootstrap: str,
    kafka_namespace: str,
) -> UserSettings:
    template = make_database_template("runtime_user_template", migrate_with(SERVICE))
    return settings_for_test(
        UserSettings,
        dsn=fresh_database(template),
        redis_url=redis_url,
        kafka_bootstrap=kafka_bootstrap,
        kafka_namespace=kafka_namespace,
    )


async def test_background_work_starts_and_stops_and_close_releases_the_clients(
    settings: UserSettings,
) -> None:
    runtime = ServiceRuntime(SERVICE, settings, key_source=TokenFactory().key_source())
    await runtime.start_background()
    await asyncio.wait_for(runtime.consumers.started.wait(), 30)
    assert runtime.relay.running
    await runtime.start_background()  # a second call starts nothing twice
    await runtime.stop_background()
    assert not runtime.relay.running
    assert runtime.redis is not None
    redis = runtime.redis
    assert await redis.ping()
    pool = redis.connection_pool
    assert any(c.is_connected for c in pool._available_connections)
    await runtime.close()
    # The container closed the Redis client it owns, and the engine let go of its connections.
    assert not any(c.is_connected for c in pool._available_connections)
    assert runtime.engine is not None
    assert runtime.engine.pool.checkedout() == 0


def test_worker_mode_stops_cleanly_on_sigterm(settings: UserSettings) -> None:
    env = {
        **os.environ,
        "LMS_USER_ENVIRONMENT": "test",
        "LMS_USER_DATABASE_URL": settings.database_url,
        "LMS_USER_REDIS_URL": settings.redis_url,
        "LMS_USER_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "LMS_USER_KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix,
        "LMS_USER_CONSUMER_GROUP": settings.consumer_group,
        "LMS_USER_CONSUMER_SESSION_TIMEOUT_MS": "2000",
        "LMS_USER_LOG_JSON": "true",
        "PYTHONPATH": os.pathsep.join(map(os.path.abspath, sys.path)),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "lms.user.main", "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert worker.stdout is not None
        while not any("consumers_started" in line for line in lines):
            assert time.monotonic() < deadline, "".join(lines[-20:])
            line = worker.stdout.readline()
            assert line or worker.poll() is None, "".join(lines[-20:])
            lines.append(line)
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=30)
        lines.append(rest)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    output = "".join(lines)
    assert worker.returncode == 0, output[-3000:]
    assert "worker_started" in output
    assert "worker_stopped" in output
    assert "Traceback" not in output


def test_the_outbox_command_lists_and_retries_parked_rows(settings: UserSettings) -> None:
    """``user outbox ...`` works on the service's own database without starting the service."""

    def outbox(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lms.user.main", "outbox", *arguments],
            env={
                **os.environ,
                "LMS_USER_DATABASE_URL": settings.database_url,
                "PYTHONPATH": os.pathsep.join(map(os.path.abspath, sys.path)),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )

    async def park_one() -> None:
        import asyncpg

        from lms_platform.testing.dsn import to_asyncpg_dsn

        url = settings.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        connection = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            await connection.execute(
                "INSERT INTO outbox (event_id, event_type, topic, key, headers, payload, state)"
                " VALUES (gen_random_uuid(), 'user.updated', 'gone', 'k', '{}', 'x', 'parked')"
            )
        finally:
            await connection.close()

    asyncio.run(park_one())
    counts = outbox("counts")
    assert counts.returncode == 0, counts.stderr
    assert '"gone":1' in counts.stdout.replace(" ", "")
    listed = outbox("list")
    assert listed.returncode == 0 and '"topic":"gone"' in listed.stdout.replace(" ", "")
    retried = outbox("retry", "--all")
    assert retried.returncode == 0 and '"retried":1' in retried.stdout.replace(" ", "")
    assert outbox("counts").stdout.strip() in ("{}", "[]")
    assert outbox("retry").returncode == 2  # neither ids nor --all: a usage error


def test_migrate_waits_for_a_lock_as_long_as_its_setting_says(
    fresh_database: Callable[..., str],
) -> None:
    """``user migrate`` takes its lock timeout from LMS_USER_MIGRATION_LOCK_TIMEOUT_MS: with a
    minute it is still waiting 8 s after it queued (the 5 s default would have given up), and it finishes
    once the lock is released."""
    import asyncpg
    from alembic import command

    from lms_platform.persistence.migrations import alembic_config
    from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url

    dsn = fresh_database()
    url = to_asyncpg_sqlalchemy_url(dsn)
    assert SERVICE.migrations is not None
    command.upgrade(alembic_config(SERVICE.migrations, url), "0003_outbox_parking")

    async def scenario() -> tuple[int, bool]:
        holder = await asyncpg.connect(to_asyncpg_dsn(dsn))
        await holder.execute("BEGIN; LOCK TABLE profiles IN ACCESS EXCLUSIVE MODE")
        migrate = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "lms.user.main",
            "migrate",
            env={
                **os.environ,
                "LMS_USER_DATABASE_URL": url,
                "LMS_USER_MIGRATION_LOCK_TIMEOUT_MS": "60000",
                "PYTHONPATH": os.pathsep.join(map(os.path.abspath, sys.path)),
            },
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            # From the moment migrate queues for the lock (its start-up time varies with load),
            # it must still be waiting after longer than the 5 s default.
            waiting_query = "SELECT count(*) FROM pg_locks WHERE NOT granted"
            deadline = time.monotonic() + 90
            while not await holder.fetchval(waiting_query) and migrate.returncode is None:
                assert time.monotonic() < deadline, "migrate never asked for the lock"
                await asyncio.sleep(0.2)
            await asyncio.sleep(8)
            waiting = await holder.fetchval(waiting_query)
            still_running = migrate.returncode is None
            await holder.execute("ROLLBACK")
            return await asyncio.wait_for(migrate.wait(), 60), bool(waiting) and still_running
        finally:
            if migrate.returncode is None:
                migrate.kill()
            await holder.close()

    returncode, was_waiting = asyncio.run(scenario())
    assert was_waiting, "migrate gave up on its lock before its setting's minute"
    assert returncode == 0


async def test_ready_runs_the_services_own_probes_beside_the_runtimes(
    settings: UserSettings,
) -> None:
    """A store the runtime does not own (MongoDB, Elasticsearch, S3) is checked by the probe the
    spec names, on the runtime's container, beside the runtime's own checks (``/ready`` turns a
    failing check into a 503 naming it: tests/platform/core/test_http_app.py)."""
    seen: list[object] = []

    async def store_ready(container: object) -> None:
        seen.append(container)

    async def broken_store(container: object) -> None:
        raise ConnectionRefusedError("store at 127.0.0.1:1 refused the connection")

    spec = dataclasses.replace(SERVICE, readiness={"store": store_ready, "other": broken_store})
    runtime = ServiceRuntime(spec, settings, key_source=TokenFactory().key_source())
    try:
        checks = runtime.readiness_checks()
        assert set(checks) == {"postgres", "redis", "store", "other"}
        await checks["postgres"]()
        await checks["store"]()
        assert seen == [runtime.container]
        with pytest.raises(ConnectionRefusedError):
            await checks["other"]()
    finally:
        await runtime.close()
