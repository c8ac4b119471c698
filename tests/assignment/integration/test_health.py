"""The generated service starts, is healthy and ready, has its outbox tables, and answers
errors as problem details."""

from __future__ import annotations

from lms.assignment.config import AssignmentSettings
from lms_platform.testing.services import RunningService


async def test_it_is_healthy_and_ready(
    assignment_service: RunningService[AssignmentSettings],
) -> None:
    health = await assignment_service.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "assignment"}
    ready = await assignment_service.client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"postgres", "redis"}
    assert ready.json()["status"] == "ready"


async def test_the_outbox_tables_exist(
    assignment_service: RunningService[AssignmentSettings],
) -> None:
    assert await assignment_service.scalar("SELECT count(*) FROM outbox") == 0
    assert await assignment_service.scalar("SELECT count(*) FROM processed_messages") == 0


async def test_an_unknown_route_is_a_404_problem(
    assignment_service: RunningService[AssignmentSettings],
) -> None:
    response = await assignment_service.client.get("/no-such-route")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
