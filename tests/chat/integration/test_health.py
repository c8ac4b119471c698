"""``chat serve`` on socketify is healthy and ready, serves its schema and metrics, and answers
errors as problem details; both processes do."""

from __future__ import annotations

import httpx

from tests.chat.integration.conftest import ChatCluster


async def test_both_processes_are_healthy_and_ready(chat: ChatCluster) -> None:
    for process in (chat.a, chat.b):
        async with httpx.AsyncClient(base_url=process.base_url) as client:
            health = await client.get("/health")
            assert health.status_code == 200
            assert health.json() == {"status": "ok", "service": "chat"}
            ready = await client.get("/ready")
            assert ready.status_code == 200, ready.text
            assert set(ready.json()["checks"]) == {"postgres", "redis"}
            schema = await client.get("/schema/openapi.json")
            assert "/rooms/{room_id}/messages" in schema.json()["paths"]
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200 and "http_requests" in metrics.text


async def test_an_unknown_route_is_a_404_problem_and_no_token_a_401(chat: ChatCluster) -> None:
    async with httpx.AsyncClient(base_url=chat.a.base_url) as client:
        missing = await client.get("/no-such-route")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        anonymous = await client.get("/rooms")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"].startswith("application/problem+json")
