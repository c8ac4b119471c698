"""The auth service running for real: uvicorn on a free port, PostgreSQL, Redis and Kafka."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from dishka import Provider

from lms.auth.application.accounts import BootstrapSuperAdmin
from lms.auth.config import AuthSettings
from lms.auth.main import MIGRATIONS_DIR, SERVICE
from lms_platform.persistence import upgrade_to_head
from lms_platform.runtime import ServiceRuntime
from lms_platform.security import JWKSKeySource, TokenVerifier
from lms_platform.testing.dsn import to_asyncpg_dsn, to_asyncpg_sqlalchemy_url
from lms_platform.testing.http import serve_app

ROOT_EMAIL = "root@lms.example"
PASSWORD = "correct horse battery staple"
LOCKOUT_THRESHOLD = 3


def _migrate(dsn: str) -> None:
    upgrade_to_head(MIGRATIONS_DIR, to_asyncpg_sqlalchemy_url(dsn))


@pytest.fixture(scope="session")
def auth_template(make_database_template: Callable[..., str]) -> str:
    return make_database_template("auth_template", _migrate)


@pytest.fixture
def auth_dsn(fresh_database: Callable[..., str], auth_template: str) -> str:
    return fresh_database(auth_template)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def auth_settings(
    auth_dsn: str, redis_url: str, kafka_bootstrap: str, kafka_namespace: str
) -> AuthSettings:
    return AuthSettings(
        environment="test",
        database_url=to_asyncpg_sqlalchemy_url(auth_dsn),
        redis_url=redis_url,
        kafka_bootstrap_servers=kafka_bootstrap,
        kafka_topic_prefix=kafka_namespace,
        http_port=_free_port(),
        log_json=True,
        key_encryption_key="integration-test-kek",
        lockout_threshold=LOCKOUT_THRESHOLD,
        # Rotated keys sign at once here; test_signing_keys.py covers publishing ahead.
        signing_key_publish_ahead_seconds=0,
        scrypt_n=2**12,  # cheap hashes: a benchmark shares this machine; the rules are the same
        argon2_memory_kib=1024,  # cheap argon2id too, for the same reason
        argon2_time_cost=1,
    )


@dataclass
class RunningAuthService:
    service: ServiceRuntime[AuthSettings]
    client: httpx.AsyncClient
    settings: AuthSettings
    dsn: str
    root: dict[str, str]  # headers of the super admin

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.http_port}"

    def jwks_verifier(self) -> TokenVerifier:
        """What every other service runs: keys from the JWKS over HTTP."""
        return TokenVerifier(
            JWKSKeySource(self.base_url + "/.well-known/jwks.json"),
            issuer="lms-auth",
            audience="lms",
        )

    async def login(
        self, college: str, email: str, password: str = PASSWORD, **kwargs: Any
    ) -> httpx.Response:
        body = {"college": college, "email": email, "password": password}
        return await self.client.post("/auth/login", json=body, **kwargs)

    async def tokens(self, college: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
        response = await self.login(college, email, password)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def create_college(self, slug: str = "uni-a") -> dict[str, Any]:
        response = await self.client.post(
            "/colleges", json={"slug": slug, "name": slug.upper()}, headers=self.root
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def create_account(
        self, college_id: str, email: str, roles: tuple[str, ...] = ("student",)
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/colleges/{college_id}/accounts",
            json={
                "email": email,
                "password": PASSWORD,
                "roles": list(roles),
                "display_name": "Ada",
            },
            headers=self.root,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def scalar(self, sql: str, *args: Any) -> Any:
        connection = await asyncpg.connect(to_asyncpg_dsn(self.dsn))
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()


@pytest.fixture
def auth_extra_providers() -> list[Provider]:
    """Providers added after the service's own: a test overrides this to swap an adapter."""
    return []


def _extra_providers(request: pytest.FixtureRequest) -> list[Provider]:
    # Looked up by name, so that modules importing ``auth_service`` alone (tests of other
    # services) need not import ``auth_extra_providers`` too.
    try:
        return list(request.getfixturevalue("auth_extra_providers"))
    except pytest.FixtureLookupError:
        return []


@pytest.fixture
async def auth_service(
    auth_settings: AuthSettings, auth_dsn: str, request: pytest.FixtureRequest
) -> AsyncIterator[RunningAuthService]:
    service = ServiceRuntime(SERVICE, auth_settings, providers=_extra_providers(request))
    async with contextlib.AsyncExitStack() as stack:
        base_url = await stack.enter_async_context(
            serve_app(service.http_app(), auth_settings.http_port)
        )
        async with service.container() as scope:
            await (await scope.get(BootstrapSuperAdmin))(ROOT_EMAIL, PASSWORD)
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base_url, timeout=10.0))
        login = await client.post(
            "/auth/login", json={"college": "platform", "email": ROOT_EMAIL, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        root = {"Authorization": f"Bearer {login.json()['access_token']}"}
        yield RunningAuthService(service, client, auth_settings, auth_dsn, root)
