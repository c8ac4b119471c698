"""observability/prometheus/search_alerts.yml: promtool accepts it and its unit tests pass,
every alert uses only series the search service exports and links its runbook."""

from __future__ import annotations

import prometheus_client

from lms.search.adapters import metrics
from tests.infra.deploy_files import PROMETHEUS_DIR, load_yaml
from tests.infra.promql import assert_promtool_accepts, metric_names

SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "gauge": ("",), "counter": ("_total",)}


def search_series() -> set[str]:
    names = set()
    for value in vars(metrics).values():
        if isinstance(value, prometheus_client.metrics.MetricWrapperBase):
            [family] = list(value.describe())
            names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def test_the_rules_use_only_the_search_services_series_and_link_a_runbook() -> None:
    rules = [
        r for g in load_yaml(PROMETHEUS_DIR / "search_alerts.yml")["groups"] for r in g["rules"]
    ]
    assert {r["alert"] for r in rules} == {"SearchIndexLagHigh", "SearchConsumerBehind"}
    for rule in rules:
        assert metric_names(rule["expr"]) <= search_series(), rule["alert"]
        assert rule["annotations"]["runbook"] == f"docs/services/search.md#{rule['alert'].lower()}"
    assert "search_alerts.yml" in load_yaml(PROMETHEUS_DIR / "prometheus.yml")["rule_files"]


def test_promtool_checks_and_unit_tests_pass() -> None:
    assert_promtool_accepts("search_alerts.yml", "search_alerts_test.yml")
