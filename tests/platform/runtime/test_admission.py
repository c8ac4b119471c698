"""Overload through the runtime, for every service with a database: a request that finds no free
connection within ``database_acquire_timeout_seconds`` gets 503 problem details with
``Retry-After`` (not a 500 after the pool's 30 s), writes nothing and is counted; the OpenAPI
declares it. The service below has no code for any of it: the runtime provides it all.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import msgspec
import pytest
from dishka.integrations.litestar import FromDishka, inject
from litestar import get, post
from litestar.params import JSONBody, QueryParameter
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from lms_platform.config import ServiceSettings
from lms_platform.http.openapi import declared_statuses
from lms_platform.persistence import admission_of
from lms_platform.runtime import ServiceRuntime, ServiceSpec
from lms_platform.security.testing import TokenFactory
from lms_platform.testing.dsn import to_asyncpg_dsn
from lms_platform.testing.services import RunningService, running_service, settings_for_test

SERVICE_NAME = "admissiontest"


class Note(msgspec.Struct, forbid_unknown_fields=True):
    text: str
    hold_seconds: float = 0.0


@post("/notes", status_code=201)
@inject
async def add_note(data: JSONBody[Note], session: FromDishka[AsyncSession]) -> dict[str, str]:
    await session.execute(text("INSERT INTO admission_notes (text) VALUES (:t)"), {"t": data.text})
    await session.execute(text("SELECT pg_sleep(:s)"), {"s": data.hold_seconds})
    await session.commit()
    return {"text": data.text}


@get("/plain")
async def plain(seconds: Annotated[float, QueryParameter()] = 0.0) -> dict[str, str]:
    await asyncio.sleep(seconds)
    return {"database": "not touched"}


def _spec(*, database: bool) -> ServiceSpec[ServiceSettings]:
    return ServiceSpec(
        name=SERVICE_NAME,
        title="admission test",
        description="",
        load_settings=lambda: ServiceSettings(service_name=SERVICE_NAME),
        providers=lambda settings: [],
        routes=[add_note, plain],
        # Only ``migrate`` reads the directory; the test creates its one table itself.
        migrations=Path(__file__).parent if database else None,
    )


def _settings(dsn: str | None, **overrides: Any) -> ServiceSettings:
    return settings_for_test(
        ServiceSettings,
        dsn=dsn,
        redis_url="",
        kafka_bootstrap="",
        kafka_namespace="admission",
        service_name=SERVICE_NAME,
        run_relay=False,
        run_consumers=False,
        access_log=False,
        database_pool_size=1,
        database_max_overflow=1,
        database_acquire_timeout_seconds=0.5,
        overload_retry_after_seconds=3,
        **overrides,
    )


async def _create_notes(dsn: str) -> None:
    connection = await asyncpg.connect(to_asyncpg_dsn(dsn))
    await connection.execute("CREATE TABLE admission_notes (id serial PRIMARY KEY, text text)")
    await connection.close()


@pytest.fixture
async def service(postgres_dsn: str) -> AsyncIterator[RunningService[ServiceSettings]]:
    await _create_notes(postgres_dsn)
    async with running_service(
        _spec(database=True), _settings(postgres_dsn), tokens=TokenFactory()
    ) as running:
        yield running


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_request_beyond_the_pool_gets_503_with_retry_after_within_the_bound(
    service: RunningService[ServiceSettings],
) -> None:
    headers = service.bearer("u1", "c1")
    assert service.runtime.engine is not None
    gate = admission_of(service.runtime.engine)
    assert gate.capacity == 2
    holders = [
        asyncio.create_task(
            service.client.post(
                "/notes", json={"text": f"held-{i}", "hold_seconds": 4.0}, headers=headers
            )
        )
        for i in range(gate.capacity)
    ]
    deadline = time.monotonic() + 10
    while gate.in_use < gate.capacity:
        assert time.monotonic() < deadline, "the holders never got their connections"
        await asyncio.sleep(0.01)
    rejected_before = _sample("db_admission_rejected_total", service=SERVICE_NAME, reason="timeout")
    answered_503_before = _sample(
        "http_requests_total", service=SERVICE_NAME, method="POST", route="/notes", status="503"
    )

    started = time.perf_counter()
    refused = await service.client.post("/notes", json={"text": "refused"}, headers=headers)
    elapsed = time.perf_counter() - started

    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "3"
    assert refused.headers["content-type"].startswith("application/problem+json")
    body = refused.json()
    assert (body["status"], body["code"]) == (503, "database_busy")
    assert body["extra"] == {"retry_after_seconds": 3}
    # It waited its bound (0.5 s), not until a holder finished (4 s) nor the pool timeout (30 s).
    assert 0.45 <= elapsed < 3.0, elapsed
    assert _sample("db_admission_rejected_total", service=SERVICE_NAME, reason="timeout") == (
        rejected_before + 1
    )
    assert _sample(
        "http_requests_total", service=SERVICE_NAME, method="POST", route="/notes", status="503"
    ) == (answered_503_before + 1)

    assert [r.status_code for r in await asyncio.gather(*holders)] == [201, 201]
    # A client that honours Retry-After gets through once the pool has room again.
    retried = await service.client.post("/notes", json={"text": "retried"}, headers=headers)
    assert retried.status_code == 201
    stored = await service.scalar("SELECT array_agg(text ORDER BY text) FROM admission_notes")
    assert stored == ["held-0", "held-1", "retried"]  # nothing from the refused request
    assert (gate.in_use, gate.waiting) == (0, 0)


async def test_the_metrics_endpoint_shows_the_admission_series(
    service: RunningService[ServiceSettings],
) -> None:
    exposition = (await service.client.get("/metrics")).text
    for series in (
        f'db_pool_connections_max{{service="{SERVICE_NAME}"}} 2.0',
        f'db_pool_connections_in_use{{service="{SERVICE_NAME}"}}',
        f'db_admission_waiting{{service="{SERVICE_NAME}"}}',
        f'db_admission_wait_seconds_bucket{{le="0.001",service="{SERVICE_NAME}"}}',
    ):
        assert series in exposition


async def test_requests_beyond_the_in_flight_limit_are_shed_at_once(postgres_dsn: str) -> None:
    await _create_notes(postgres_dsn)
    settings = _settings(postgres_dsn, max_requests_in_flight=2)
    async with running_service(_spec(database=True), settings, tokens=TokenFactory()) as service:
        headers = service.bearer("u1", "c1")
        shed_before = _sample("http_requests_shed_total", service=SERVICE_NAME)
        holders = [
            asyncio.create_task(
                service.client.get("/plain", params={"seconds": 3}, headers=headers)
            )
            for _ in range(2)
        ]
        deadline = time.monotonic() + 10
        while _sample("http_requests_in_progress", service=SERVICE_NAME) < 2:
            assert time.monotonic() < deadline, "the holders never arrived"
            await asyncio.sleep(0.01)
        started = time.perf_counter()
        shed = await service.client.get("/plain", headers=headers)
        elapsed = time.perf_counter() - started
        assert shed.status_code == 503, shed.text
        assert elapsed < 1.5  # at once, not after a holder's 3 s
        assert shed.headers["retry-after"] == "3"
        assert shed.headers["content-type"] == "application/problem+json"
        assert shed.headers["x-request-id"]
        body = shed.json()
        assert (body["code"], body["status"], body["instance"]) == ("overloaded", 503, "/plain")
        assert body["request_id"] == shed.headers["x-request-id"]
        # The limit is the process's, not the route's: another route is shed too.
        other = await service.client.post("/notes", json={"text": "shed"}, headers=headers)
        assert (other.status_code, other.json()["code"]) == (503, "overloaded")
        assert (await service.client.get("/health")).status_code == 200  # never shed
        assert _sample("http_requests_shed_total", service=SERVICE_NAME) == shed_before + 2
        assert await service.scalar("SELECT count(*) FROM admission_notes") == 0
        assert [r.status_code for r in await asyncio.gather(*holders)] == [200, 200]
        assert (await service.client.get("/plain", headers=headers)).status_code == 200


async def test_the_contract_declares_503_with_retry_after_where_the_database_is_used(
    postgres_dsn: str,
) -> None:
    keys = TokenFactory().key_source()
    with_db = ServiceRuntime(_spec(database=True), _settings(postgres_dsn), key_source=keys)
    without_db = ServiceRuntime(_spec(database=False), _settings(None), key_source=keys)
    try:
        app = with_db.http_app()
        statuses = declared_statuses(app.openapi_schema)
        assert 503 in statuses["/notes"]["POST"]
        assert 503 in statuses["/plain"]["GET"]  # the platform cannot tell; it may touch it
        assert 503 not in statuses["/health"]["GET"]
        assert 503 not in statuses["/metrics"]["GET"]
        document = app.openapi_schema.to_schema()
        busy = document["paths"]["/notes"]["post"]["responses"]["503"]
        assert busy["headers"]["Retry-After"]["required"] is True
        assert busy["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
        assert busy["content"]["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/ProblemDetails"
        }
        ready = document["paths"]["/ready"]["get"]["responses"]["503"]
        assert "headers" not in ready  # readiness keeps its own 503 (which check failed)

        plain_statuses = declared_statuses(without_db.http_app().openapi_schema)
        assert 503 not in plain_statuses["/notes"]["POST"]
    finally:
        await with_db.close()
        await without_db.close()
    # Without a database but with an in-flight limit, every route may be shed.
    shedding = ServiceRuntime(
        _spec(database=False), _settings(None, max_requests_in_flight=8), key_source=keys
    )
    try:
        statuses = declared_statuses(shedding.http_app().openapi_schema)
        assert 503 in statuses["/plain"]["GET"]
        assert 503 not in statuses["/health"]["GET"]
    finally:
        await shedding.close()
