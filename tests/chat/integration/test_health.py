"""``chat serve`` on socketify is healthy and ready, serves its schema and metrics, and answers
errors as problem details; both processes do. It serves its AsyncAPI document too."""

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


async def test_the_asyncapi_document_is_served_without_a_token(chat: ChatCluster) -> None:
    from lms.chat.adapters.http.asyncapi import asyncapi_document

    async with httpx.AsyncClient(base_url=chat.a.base_url) as client:
        served = await client.get("/schema/asyncapi.yaml")
        schema = (await client.get("/schema/openapi.json")).json()
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("application/yaml")
    assert served.content == asyncapi_document()
    assert "/schema/asyncapi.yaml" not in schema["paths"]
