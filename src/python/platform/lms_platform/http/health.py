"""Liveness, readiness (each dependency checked) and the Prometheus endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec

from lms_platform.metrics import render_latest

ReadinessCheck = Callable[[], Awaitable[Any]]


class HealthStatus(msgspec.Struct):
    status: str
    service: str


class ReadinessStatus(msgspec.Struct):
    status: str
    checks: dict[str, str]


def health_handlers(
    service: str, checks: Mapping[str, ReadinessCheck], *, timeout: float = 2.0
) -> list[HTTPRouteHandler]:
    @get("/health", include_in_schema=True, tags=["operations"], sync_to_thread=False)
    def health() -> HealthStatus:
        return HealthStatus(status="ok", service=service)

    @get(
        "/ready",
        tags=["operations"],
        responses={
            503: ResponseSpec(
                data_container=ReadinessStatus,
                description="A dependency failed its check; ``checks`` says which and why.",
                generate_examples=False,
            )
        },
    )
    async def ready() -> Response[ReadinessStatus]:
        results: dict[str, str] = {}

        async def run(name: str, check: ReadinessCheck) -> None:
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as exc:  # a readiness probe reports every failure, whatever it is
                results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]

        await asyncio.gather(*(run(name, check) for name, check in checks.items()))
        ok = all(value == "ok" for value in results.values())
        return Response(
            ReadinessStatus(status="ready" if ok else "unavailable", checks=results),
            status_code=200 if ok else 503,
        )

    @get(
        "/metrics",
        tags=["operations"],
        media_type="text/plain",
        summary="Prometheus metrics (text exposition format)",
        sync_to_thread=False,
    )
    def metrics() -> Response[bytes]:
        body, content_type = render_latest()
        return Response(body, media_type=content_type)

    return [health, ready, metrics]
