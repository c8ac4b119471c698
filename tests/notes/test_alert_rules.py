"""observability/prometheus/notes_alerts.yml: promtool accepts it and its unit tests pass, every
alert uses only series the notes service exports (its own and the platform's), fires in a unit
test and stays quiet in another, links its runbook, and Prometheus loads the file."""

from __future__ import annotations

import re

import prometheus_client

from lms.notes.adapters.persistence import monitoring
from lms_platform.metrics import registry
from tests.infra.deploy_files import PROMETHEUS_DIR, load_yaml
from tests.infra.promql import assert_promtool_accepts, metric_names

SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "gauge": ("",), "counter": ("_total",)}


def exported_series() -> set[str]:
    names = set()
    for module in (monitoring, registry):
        for value in vars(module).values():
            if isinstance(value, prometheus_client.metrics.MetricWrapperBase):
                [family] = list(value.describe())
                names |= {family.name + suffix for suffix in SUFFIXES[family.type]}
    return names


def rules() -> list[dict[str, object]]:
    return [r for g in load_yaml(PROMETHEUS_DIR / "notes_alerts.yml")["groups"] for r in g["rules"]]


def test_the_rules_use_only_series_notes_exports_and_link_a_runbook() -> None:
    assert {r["alert"] for r in rules()} == {
        "NotesMongoUnreachable", "NotesNotReady", "NotesOutboxStalled",
    }  # fmt: skip
    for rule in rules():
        assert metric_names(str(rule["expr"])) <= exported_series(), rule["alert"]
        assert 'service="notes"' in str(rule["expr"]), rule["alert"]
        runbook = f"docs/services/notes.md#{str(rule['alert']).lower()}"
        assert rule["annotations"]["runbook"] == runbook  # type: ignore[index]
        assert rule["labels"]["severity"] in {"critical", "warning"}  # type: ignore[index]
    assert "notes_alerts.yml" in load_yaml(PROMETHEUS_DIR / "prometheus.yml")["rule_files"]


def test_every_alert_fires_in_a_unit_test_and_stays_quiet_in_another() -> None:
    tests = load_yaml(PROMETHEUS_DIR / "notes_alerts_test.yml")["tests"]
    for rule in rules():
        cases = [c for t in tests for c in t["alert_rule_test"] if c["alertname"] == rule["alert"]]
        assert any(c.get("exp_alerts") for c in cases), f"{rule['alert']}: no firing case"
        assert any(not c.get("exp_alerts") for c in cases), f"{rule['alert']}: no quiet case"
        fed = {
            service
            for t in tests
            if any(c["alertname"] == rule["alert"] for c in t["alert_rule_test"])
            for s in t["input_series"]
            for service in re.findall(r'service="([^"]+)"', s["series"])
        }
        assert fed - {"notes"}, f"{rule['alert']}: no other service's series to ignore"


def test_promtool_checks_and_unit_tests_pass() -> None:
    assert_promtool_accepts("notes_alerts.yml", "notes_alerts_test.yml")
