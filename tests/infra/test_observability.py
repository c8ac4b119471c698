"""observability/: alerts and dashboards use only metrics the platform exports, every alert has a
runbook and promtool unit tests, and the Alertmanager and collector configs hang together."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from typing import Any

import prometheus_client
import pytest

from lms_platform.metrics import registry
from tests.infra.deploy_files import (
    DASHBOARD_DIR,
    PROMETHEUS_DIR,
    REPO_ROOT,
    load_yaml,
)
from tests.infra.promql import metric_names

# Series that come from Prometheus itself or from Kong's prometheus plugin, not from our services.
EXTERNAL_SERIES = {"up", "ALERTS", "kong_http_requests_total", "kong_upstream_latency_ms_bucket"}
SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}


# Services' own business metrics that alerts use (module-level BusinessCounters).
SERVICE_METRIC_MODULES = ("lms.notification.adapters.channels.metrics",)


def platform_series() -> dict[str, str]:
    """Every series name the platform's metric definitions produce -> its metric family."""
    series = {}
    for value in vars(registry).values():
        if isinstance(value, prometheus_client.metrics.MetricWrapperBase):
            [family] = list(value.describe())
            for suffix in SAMPLE_SUFFIXES[family.type]:
                series[family.name + suffix] = family.name
    return series


def service_series() -> dict[str, str]:
    """The same for the business counters of ``SERVICE_METRIC_MODULES``."""
    series = {}
    for name in SERVICE_METRIC_MODULES:
        for value in vars(importlib.import_module(name)).values():
            if isinstance(value, registry.BusinessCounter):
                [family] = list(value._counter.describe())
                series[family.name + "_total"] = family.name
    return series


def alert_rules() -> list[dict[str, Any]]:
    return [
        rule
        for group in load_yaml(PROMETHEUS_DIR / "alerts.yml")["groups"]
        for rule in group["rules"]
    ]


def dashboard_queries() -> list[tuple[str, str]]:
    queries = []
    for file in sorted(DASHBOARD_DIR.glob("*.json")):
        stack = list(json.loads(file.read_text())["panels"])
        while stack:
            panel = stack.pop()
            stack.extend(panel.get("panels", []))
            queries += [
                (f"{file.name}: {panel['title']}", t["expr"]) for t in panel.get("targets", [])
            ]
    return queries


def test_the_metric_contract_is_what_this_folder_assumes() -> None:
    assert {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "outbox_pending_messages",
        "dlq_messages_total",
        "kafka_messages_consumed_total",
    } <= platform_series().keys()


@pytest.mark.parametrize("source", ["alerts", "dashboards"])
def test_queries_use_only_exported_metrics(source: str) -> None:
    queries = (
        [(rule["alert"], rule["expr"]) for rule in alert_rules()]
        if source == "alerts"
        else dashboard_queries()
    )
    assert queries
    known = platform_series().keys() | service_series().keys() | EXTERNAL_SERIES
    unknown = {(where, name) for where, expr in queries for name in metric_names(expr) - known}
    assert unknown == set()


def test_the_dashboard_shows_every_platform_metric_family() -> None:
    shown = {
        platform_series()[n]
        for _, e in dashboard_queries()
        for n in metric_names(e)
        if n in platform_series()
    }
    assert shown == set(platform_series().values())


def test_every_alert_has_severity_and_a_runbook_link() -> None:
    # infra/validate checks that docs/observability.md has each section (docs/ is not in the
    # Pants sandbox of these tests).
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"critical", "warning"}, rule["alert"]
        assert rule["annotations"]["runbook"] == f"docs/observability.md#{rule['alert'].lower()}"


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    """Quiet means: the test feeds series of more services (or instances) than the alert fires for."""
    tests = load_yaml(PROMETHEUS_DIR / "alerts_test.yml")["tests"]
    for rule in alert_rules():
        mine = [
            t for t in tests if any(c["alertname"] == rule["alert"] for c in t["alert_rule_test"])
        ]
        assert mine, f"{rule['alert']}: no unit test"
        fed, fired = set(), set()
        for test in mine:
            for series in test["input_series"]:
                fed.update(re.findall(r'(?:service|instance)="([^"]+)"', series["series"]))
            for case in test["alert_rule_test"]:
                for alert in case.get("exp_alerts") or []:
                    labels = alert["exp_labels"]
                    fired.add(labels.get("service", labels.get("instance")))
        assert fired, f"{rule['alert']}: no firing case"
        assert fed - fired, f"{rule['alert']}: no series that must stay quiet"


def test_alertmanager_routes_and_inhibitions_refer_to_real_things() -> None:
    config = load_yaml(REPO_ROOT / "observability" / "alertmanager" / "alertmanager.yml")
    receivers = {r["name"] for r in config["receivers"]}
    routes = [config["route"], *config["route"].get("routes", [])]
    assert {r["receiver"] for r in routes if "receiver" in r} <= receivers
    alert_names = {rule["alert"] for rule in alert_rules()}
    for rule in config["inhibit_rules"]:
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            name = re.fullmatch(r'alertname=~?"([^"]+)"', matcher)
            if name:
                assert set(name.group(1).split("|")) <= alert_names, matcher
    for receiver in config["receivers"]:
        for webhook in receiver.get("webhook_configs", []):
            # The token is a secret: it must come from a file, never inline.
            assert "credentials" not in webhook["http_config"]["authorization"]


def test_collector_pipelines_use_only_defined_components() -> None:
    spec = importlib.util.spec_from_file_location(
        "check_configs", REPO_ROOT / "infra" / "validation" / "check_configs.py"
    )
    assert spec is not None
    assert spec.loader is not None
    check_configs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check_configs)
    collector = REPO_ROOT / "observability" / "otel" / "collector.yaml"
    assert check_configs.check_otel(collector) == []
    config = load_yaml(collector)
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")


LOG_PROGRAM = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from lms_platform.logging import configure_logging, get_logger
trace.set_tracer_provider(TracerProvider())
configure_logging("user", "INFO")
with trace.get_tracer("t").start_as_current_span("request"):
    get_logger("lms.user").info("profile_created", user_id="u1")
"""


def test_log_lines_carry_what_fluent_bit_parses_and_filters_on() -> None:
    fluent_bit = load_yaml(REPO_ROOT / "observability" / "logging" / "fluent-bit.yaml")
    parsers = {
        p["name"]: p
        for p in load_yaml(REPO_ROOT / "observability" / "logging" / "parsers.yaml")["parsers"]
    }
    grep_field = next(f for f in fluent_bit["pipeline"]["filters"] if f["name"] == "grep")[
        "regex"
    ].split()[0]
    app_parser = parsers[
        next(f for f in fluent_bit["pipeline"]["filters"] if f["name"] == "parser")["parser"]
    ]

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(
        [sys.executable, "-c", LOG_PROGRAM], capture_output=True, text=True, env=env, check=True
    )
    line = json.loads(result.stdout.strip().splitlines()[-1])

    assert line[grep_field] == "user"  # kept by the grep filter
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:?\d\d)", line[app_parser["time_key"]]
    )
    assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", line["span_id"])
    assert (line["event"], line["level"]) == ("profile_created", "info")
