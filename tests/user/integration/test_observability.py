"""Metrics count requests; one trace links the HTTP request to the Kafka publish it caused."""

from __future__ import annotations

import re

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.user.integration.conftest import RunningUserService


def _counter(metrics_text: str, route: str, method: str, status: str) -> float:
    pattern = (
        rf'^http_requests_total\{{[^}}]*method="{re.escape(method)}"[^}}]*route="{re.escape(route)}"'
        rf'[^}}]*service="user"[^}}]*status="{status}"[^}}]*\}} (\S+)$'
    )
    match = re.search(pattern, metrics_text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_metrics_count_requests_by_route_and_status(user_service: RunningUserService) -> None:
    client = user_service.client
    created = await user_service.create_user()
    before = (await client.get("/metrics")).text
    patched = await client.patch(
        f"/users/{created['id']}", json={"bio": "hi"}, headers=user_service.admin()
    )
    assert patched.status_code == 200
    for _ in range(3):
        await client.get(f"/users/{created['id']}", headers=user_service.admin())
    await client.get(f"/users/{created['id']}")  # 401
    after = (await client.get("/metrics")).text

    route = "/users/{user_id}"
    assert _counter(after, route, "GET", "200") - _counter(before, route, "GET", "200") == 3
    assert _counter(after, route, "GET", "401") - _counter(before, route, "GET", "401") == 1
    assert _counter(after, route, "PATCH", "200") - _counter(before, route, "PATCH", "200") == 1
    assert "http_request_duration_seconds_bucket{" in after
    assert re.search(
        r'cache_requests_total\{cache="profile",result="hit",service="user"\} [1-9]', after
    )


async def test_one_trace_holds_the_http_span_and_the_kafka_publish_span(
    user_service: RunningUserService, span_exporter: InMemorySpanExporter
) -> None:
    created = await user_service.create_user()
    await user_service.service.relay.wait_until_empty(timeout=20)  # user.created, traced apart
    span_exporter.clear()
    patched = await user_service.client.patch(
        f"/users/{created['id']}", json={"bio": "hi"}, headers=user_service.admin()
    )
    assert patched.status_code == 200
    await user_service.service.relay.wait_until_empty(timeout=20)

    spans = span_exporter.get_finished_spans()
    http = [s for s in spans if s.kind is SpanKind.SERVER and s.name.startswith("PATCH /users/")]
    publish = [s for s in spans if s.kind is SpanKind.PRODUCER and s.name.endswith("user publish")]
    assert len(http) == 1 and len(publish) == 1, [s.name for s in spans]
    server_span, publish_span = http[0], publish[0]
    assert publish_span.context.trace_id == server_span.context.trace_id
    linked_or_parented = {link.context.span_id for link in publish_span.links}
    if publish_span.parent is not None:
        linked_or_parented.add(publish_span.parent.span_id)
    assert server_span.context.span_id in linked_or_parented
    assert server_span.attributes is not None
    assert server_span.attributes["http.response.status_code"] == 200
