"""The app factory: problem details, request ids, permission guards, readiness."""

from __future__ import annotations

from typing import Any

from dishka import make_async_container
from dishka.integrations.litestar import LitestarProvider
from litestar import get
from litestar.testing import AsyncTestClient

from lms_platform.config import ServiceSettings
from lms_platform.http import PrincipalProvider, create_app
from lms_platform.http.auth import require_permissions
from lms_platform.kernel.errors import Conflict
from lms_platform.security import TokenVerifier
from lms_platform.security.testing import TokenFactory


@get("/guarded", guards=[require_permissions("course:create")])
async def guarded() -> dict[str, str]:
    return {"ok": "yes"}


@get("/conflict")
async def conflict() -> None:
    raise Conflict("already there", extra={"field": "email"})


@get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals")


def _app(factory: TokenFactory, ready: dict[str, Any] | None = None) -> Any:
    return create_app(
        settings=ServiceSettings(service_name="apptest", access_log=False),
        route_handlers=[guarded, conflict, boom],
        container=make_async_container(LitestarProvider(), PrincipalProvider()),
        verifier=TokenVerifier(factory.key_source(), issuer="lms-auth", audience="lms"),
        title="test",
        readiness_checks=ready,
    )


async def test_permission_guard_and_problem_details() -> None:
    factory = TokenFactory()
    async with AsyncTestClient(_app(factory)) as client:
        allowed = {
            "Authorization": "Bearer " + factory.mint("u", "c", permissions=["course:create"])
        }
        denied = {"Authorization": "Bearer " + factory.mint("u", "c", permissions=["course:read"])}
        assert (await client.get("/guarded", headers=allowed)).status_code == 200
        refused = await client.get("/guarded", headers=denied)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"

        problem = (await client.get("/conflict", headers=allowed)).json()
        assert problem["status"] == 409 and problem["code"] == "conflict"
        assert problem["extra"] == {"field": "email"}

        crash = await client.get("/boom", headers={**allowed, "X-Request-ID": "req-123"})
        assert crash.status_code == 500
        assert "secret" not in crash.text  # internals never leak
        assert crash.json()["request_id"] == "req-123"
        assert crash.headers["x-request-id"] == "req-123"


async def test_readiness_reports_each_dependency() -> None:
    async def fine() -> None:
        return None

    async def broken() -> None:
        raise ConnectionError("db down")

    async with AsyncTestClient(_app(TokenFactory(), {"db": broken, "cache": fine})) as client:
        response = await client.get("/ready")
        assert response.status_code == 503
        checks = response.json()["checks"]
        assert checks["cache"] == "ok"
        assert "db down" in checks["db"]


def test_freeze_startup_heap_moves_live_objects_to_the_permanent_generation() -> None:
    import gc

    from lms_platform.http.serving import freeze_startup_heap

    keep = [object() for _ in range(1000)]  # noqa: F841 - alive across the freeze
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() >= 1000
    finally:
        gc.unfreeze()
