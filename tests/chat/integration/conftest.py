"""The chat service running for real: two ``chat serve`` processes (socketify, REST and
Socket.IO on one port each) sharing one database, Redis and Kafka, started once per session.
Tests stay apart by college: each test gets colleges of its own (``college``, ``other_college``),
so the shared processes and database never mix two tests' rooms.

Enrollments reach chat as they do in production: ``enrollment.*`` envelopes on Kafka, which
the service's consumer turns into its membership read model.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import os
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec
import pytest
from aiokafka import AIOKafkaProducer

from lms.chat.main import SERVICE
from lms_platform.kernel.membership import EnrollmentState, SectionRole
from lms_platform.membership import EnrollmentSnapshot
from lms_platform.messaging import encode_envelope, new_envelope
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_sqlalchemy_url
from lms_platform.testing.servers import KafkaServer, ManagedProcess, PostgresServer, RedisServer
from lms_platform.testing.services import migrate_with
from tests.chat.integration.clients import ChatApi


class JwksServer:
    """Serves the test ``TokenFactory``'s public key as auth's JWKS would."""

    def __init__(self, tokens: TokenFactory) -> None:
        body = json.dumps(tokens.jwks).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()


class ChatProcess(ManagedProcess):
    """``python -m lms.chat.main serve`` with ``LMS_CHAT_*`` settings."""

    name = "chat"

    def __init__(self, settings: dict[str, str]) -> None:
        super().__init__()
        self._settings = settings

    def command(self) -> list[str]:
        return [sys.executable, "-m", "lms.chat.main", "serve"]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        # Absolute: the process runs in its own directory, and Pants puts relative entries here.
        env["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in sys.path if p)
        env.update({f"LMS_CHAT_{k.upper()}": v for k, v in self._settings.items()})
        env["LMS_CHAT_HTTP_PORT"] = str(self.port)
        return env

    def probe(self) -> None:
        response = httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=1)
        response.raise_for_status()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class ChatCluster:
    """Two processes of one deployment, and what tests need to drive them."""

    def __init__(
        self, a: ChatProcess, b: ChatProcess, tokens: TokenFactory, kafka: str, ns: str, dsn: str
    ) -> None:
        self.a, self.b, self.tokens = a, b, tokens
        self.kafka_bootstrap, self.namespace, self.dsn = kafka, ns, dsn

    def token(
        self, user: uuid.UUID, college: str, *, roles: tuple[str, ...] = ("student",),
        permissions: tuple[str, ...] = ("chat:participate",), expires_in: int = 600,
    ) -> str:  # fmt: skip
        return self.tokens.mint(
            str(user), college, roles=roles, permissions=permissions, expires_in=expires_in
        )

    def api(self, user: uuid.UUID, college: str, **kwargs: Any) -> ChatApi:
        return ChatApi(self.a.base_url, self.token(user, college, **kwargs))

    async def scalar(self, sql: str, *args: Any) -> Any:
        import asyncpg

        connection = await asyncpg.connect(self.dsn)
        try:
            return await connection.fetchval(sql, *args)
        finally:
            await connection.close()


@pytest.fixture(scope="session")
def chat_cluster(
    postgres_server: PostgresServer, redis_server: RedisServer, kafka_server: KafkaServer
) -> Iterator[ChatCluster]:
    template = postgres_server.create_template("chat_template", migrate_with(SERVICE))
    dsn = postgres_server.create_database(f"chat_{uuid.uuid4().hex[:10]}", template=template)
    tokens = TokenFactory()
    jwks = JwksServer(tokens)
    namespace = f"t{uuid.uuid4().hex[:8]}."
    settings = {
        "environment": "test",
        "database_url": to_asyncpg_sqlalchemy_url(dsn),
        "database_pool_size": "4",
        "redis_url": redis_server.url_for_db(3),
        "kafka_bootstrap_servers": kafka_server.bootstrap_servers,
        "kafka_topic_prefix": namespace,
        "consumer_group": f"chat-{namespace}",
        "consumer_session_timeout_ms": "2000",
        "jwks_url": jwks.url,
        "socket_ping_interval_seconds": "1",
        "messages_per_window": "1000",
        "log_level": "WARNING",
        "access_log": "false",
    }
    a, b = ChatProcess(settings), ChatProcess(settings)
    try:
        a.start()
        b.start()
        yield ChatCluster(a, b, tokens, kafka_server.bootstrap_servers, namespace, dsn)
    finally:
        a.close()
        b.close()
        jwks.close()


@pytest.fixture
def chat(chat_cluster: ChatCluster) -> ChatCluster:
    chat_cluster.a.ensure_running()
    chat_cluster.b.ensure_running()
    return chat_cluster


@pytest.fixture
def college() -> str:
    return f"college-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def other_college() -> str:
    return f"college-{uuid.uuid4().hex[:8]}"


class Enrollments:
    """Publishes enrollment snapshots as the course service does, and waits until chat has
    applied them (its ``processed_messages`` row)."""

    def __init__(self, chat: ChatCluster, producer: AIOKafkaProducer) -> None:
        self._chat, self._producer = chat, producer
        self._versions: dict[uuid.UUID, int] = {}

    async def put(
        self, college: str, user: uuid.UUID, course: uuid.UUID, section: uuid.UUID, *,
        role: SectionRole = SectionRole.STUDENT, state: EnrollmentState = EnrollmentState.ACTIVE,
        enrollment: uuid.UUID | None = None,
    ) -> uuid.UUID:  # fmt: skip
        enrollment = enrollment or uuid.uuid5(section, str(user))
        version = self._versions.get(enrollment, 0) + 1
        self._versions[enrollment] = version
        snapshot = EnrollmentSnapshot(
            id=enrollment, user_id=user, section_id=section, course_id=course, role=role,
            state=state, version=version, updated_at=datetime.now(UTC),
        )  # fmt: skip
        kind = "enrollment.created" if version == 1 else "enrollment.updated"
        envelope = new_envelope(
            kind, "course", str(enrollment), college,
            {"section_id": str(section), "enrollment": msgspec.to_builtins(snapshot)},
        )  # fmt: skip
        await self._producer.send_and_wait(
            f"{self._chat.namespace}enrollment",
            encode_envelope(envelope),
            key=str(section).encode(),
        )
        await self.wait_applied(envelope.id)
        return enrollment

    async def wait_applied(self, envelope_id: uuid.UUID | str, timeout: float = 30.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if await self._chat.scalar(
                "SELECT count(*) FROM processed_messages WHERE message_id = $1", str(envelope_id)
            ):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"chat did not apply enrollment event {envelope_id} in {timeout} s")


@pytest.fixture
async def enrollments(chat: ChatCluster) -> AsyncIterator[Enrollments]:
    producer = AIOKafkaProducer(bootstrap_servers=chat.kafka_bootstrap)
    await producer.start()
    try:
        yield Enrollments(chat, producer)
    finally:
        await producer.stop()
