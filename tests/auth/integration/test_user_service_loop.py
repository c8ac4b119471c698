"""The whole loop with real tokens: an account registered here becomes a profile in the user
service (through the outbox, Kafka and its consumer), and the user service accepts this
service's access token, verified through the JWKS over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

import httpx
import uvicorn

from lms.user.config import UserSettings
from lms.user.main import MIGRATIONS_DIR as USER_MIGRATIONS
from lms.user.main import SERVICE as USER_SERVICE
from lms_platform.persistence import upgrade_to_head
from lms_platform.runtime import ServiceRuntime
from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
from tests.auth.integration.conftest import RunningAuthService


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _migrate_user(dsn: str) -> None:
    upgrade_to_head(USER_MIGRATIONS, to_asyncpg_sqlalchemy_url(dsn))


async def test_registered_account_becomes_a_profile_readable_with_its_own_token(
    auth_service: RunningAuthService,
    make_database_template: Callable[..., str],
    fresh_database: Callable[..., str],
    redis_url: str,
    kafka_bootstrap: str,
) -> None:
    user_dsn = fresh_database(make_database_template("user_template_for_auth", _migrate_user))
    prefix = auth_service.settings.kafka_topic_prefix
    settings = UserSettings(
        database_url=to_asyncpg_sqlalchemy_url(user_dsn),
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=prefix,
        http_port=_free_port(),
        consumer_group=f"user-{prefix}",
        jwks_url=auth_service.base_url + "/.well-known/jwks.json",
    )
    user_service = ServiceRuntime(USER_SERVICE, settings)
    server = uvicorn.Server(
        uvicorn.Config(
            user_service.http_app(),
            host="127.0.0.1",
            port=settings.http_port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(400):
            if server.started:
                break
            await asyncio.sleep(0.025)
        college = await auth_service.create_college()
        account = await auth_service.create_account(college["id"], "ada@uni-a.edu")
        tokens = await auth_service.tokens("uni-a", "ada@uni-a.edu")
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{settings.http_port}", timeout=10.0
        ) as client:
            response = await client.get(f"/users/{account['id']}", headers=headers)
            for _ in range(240):  # the consumer group joins, then the event is applied
                if response.status_code == 200:
                    break
                assert response.status_code == 404, response.text  # authenticated, not yet there
                await asyncio.sleep(0.25)
                response = await client.get(f"/users/{account['id']}", headers=headers)
        assert response.status_code == 200, response.text
        profile = response.json()
        assert (profile["id"], profile["college_id"], profile["email"]) == (
            account["id"],
            college["id"],
            "ada@uni-a.edu",
        )
        assert (profile["display_name"], profile["roles"]) == ("Ada", ["student"])
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=20)
