"""The generated service starts, is healthy and ready, has its outbox tables, and answers
errors as problem details."""

from __future__ import annotations

from lms.submission.config import SubmissionSettings
from lms_platform.testing.services import RunningService


async def test_it_is_healthy_and_ready(
    submission_service: RunningService[SubmissionSettings],
) -> None:
    health = await submission_service.client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "service": "submission"}
    ready = await submission_service.client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert set(ready.json()["checks"]) == {"postgres", "redis", "s3"}
    assert ready.json()["status"] == "ready"


async def test_the_outbox_tables_exist(
    submission_service: RunningService[SubmissionSettings],
) -> None:
    assert await submission_service.scalar("SELECT count(*) FROM outbox") == 0
    assert await submission_service.scalar("SELECT count(*) FROM processed_messages") == 0


async def test_an_unknown_route_is_a_404_problem(
    submission_service: RunningService[SubmissionSettings],
) -> None:
    response = await submission_service.client.get("/no-such-route")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
