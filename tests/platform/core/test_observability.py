"""The observability middleware's access-log policy and the platform's trace sampler."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.exceptions import NotFoundException
from litestar.testing import AsyncTestClient
from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context
from structlog.testing import capture_logs

from lms_platform.config import ServiceSettings, SettingsError, load_settings
from lms_platform.http.observability import AccessLogPolicy, observability_middleware_factory
from lms_platform.tracing.setup import sampler


def test_the_default_policy_logs_errors_and_slow_requests_and_a_sample() -> None:
    policy = AccessLogPolicy.from_settings(ServiceSettings(service_name="t"))
    assert (policy.enabled, policy.sample_ratio, policy.slow_ms) == (True, 0.01, 1000.0)
    assert policy.wants(404, 1.0) and policy.wants(500, 1.0)
    assert policy.wants(200, 1000.0)
    logged = sum(policy.wants(200, 1.0) for _ in range(20_000))
    assert 100 <= logged <= 320  # 1 % of 20,000, with room for chance


@pytest.mark.parametrize(
    ("policy", "status", "elapsed_ms", "wanted"),
    [
        (AccessLogPolicy(sample_ratio=1.0), 200, 0.1, True),
        (AccessLogPolicy(sample_ratio=0.0), 200, 0.1, False),
        (AccessLogPolicy(sample_ratio=0.0, slow_ms=5), 200, 5.0, True),
        (AccessLogPolicy(enabled=False), 500, 9999.0, False),
    ],
)
def test_each_setting_of_the_policy(
    policy: AccessLogPolicy, status: int, elapsed_ms: float, wanted: bool
) -> None:
    assert policy.wants(status, elapsed_ms) is wanted


def test_ratios_outside_zero_to_one_are_refused_at_start_up() -> None:
    for name in ("TRACE_SAMPLE_RATIO", "ACCESS_LOG_SAMPLE_RATIO"):
        with pytest.raises(SettingsError, match=name.lower()):
            load_settings(
                ServiceSettings, "LMS_T_", {"LMS_T_SERVICE_NAME": "t", f"LMS_T_{name}": "1.5"}
            )


@get("/fast")
async def fast() -> str:
    return "ok"


@get("/slow")
async def slow() -> str:
    await asyncio.sleep(0.03)
    return "ok"


@get("/missing")
async def missing() -> str:
    raise NotFoundException("no such thing")


def _app(access_log: Any) -> Litestar:
    return Litestar(
        route_handlers=[fast, slow, missing],
        middleware=[observability_middleware_factory("obs", access_log=access_log)],
    )


async def _requests(access_log: Any) -> list[dict[str, Any]]:
    with capture_logs() as logs:
        async with AsyncTestClient(_app(access_log)) as client:
            assert (await client.get("/fast")).status_code == 200
            assert (await client.get("/slow")).status_code == 200
            assert (await client.get("/missing")).status_code == 404
    return [dict(line) for line in logs if line.get("event") == "request"]


async def test_the_middleware_logs_what_the_policy_wants() -> None:
    lines = await _requests(AccessLogPolicy(sample_ratio=0.0, slow_ms=20))
    assert sorted((line["path"], line["status"]) for line in lines) == [
        ("/missing", 404),
        ("/slow", 200),
    ]
    everything = await _requests(AccessLogPolicy(sample_ratio=1.0))
    assert sorted(line["path"] for line in everything) == ["/fast", "/missing", "/slow"]
    assert await _requests(False) == []


def _parent(sampled: bool) -> Context:
    flags = TraceFlags(TraceFlags.SAMPLED if sampled else TraceFlags.DEFAULT)
    span = NonRecordingSpan(
        SpanContext(trace_id=1 << 100, span_id=7, is_remote=True, trace_flags=flags)
    )
    return set_span_in_context(span)


def test_the_sampler_follows_the_parent_and_samples_new_traces_by_ratio() -> None:
    never, always = sampler(0.0), sampler(1.0)
    new_trace = 0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0
    assert never.should_sample(None, new_trace, "GET /x").decision is Decision.DROP
    assert always.should_sample(None, new_trace, "GET /x").decision is Decision.RECORD_AND_SAMPLE
    assert (
        never.should_sample(_parent(True), 1 << 100, "GET /x").decision
        is Decision.RECORD_AND_SAMPLE
    )
    assert always.should_sample(_parent(False), 1 << 100, "GET /x").decision is Decision.DROP
    tenth = sampler(0.1)
    kept = sum(
        tenth.should_sample(
            None, trace_id * 0x9E3779B97F4A7C15 % (1 << 128), "x"
        ).decision.is_sampled()
        for trace_id in range(1, 20_001)
    )
    assert 1_600 <= kept <= 2_400
