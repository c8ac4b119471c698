"""Metric names referenced by a PromQL expression, without a PromQL parser: strip strings, label
matchers, ranges, grouping clauses and function calls, and what is left are metric names. And
promtool's verdict on a service's alert files."""

from __future__ import annotations

import re
import subprocess

from lms_platform.testing.tools import ensure_promtool
from tests.infra.deploy_files import PROMETHEUS_DIR

_KEYWORDS = {
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
    "by",
    "without",
    "on",
    "ignoring",
}
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_OFFSET = re.compile(r"\boffset\s+\S+")
_IDENTIFIER = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?")


def metric_names(expr: str) -> set[str]:
    for pattern in (_STRINGS, _MATCHERS, _RANGES, _GROUPING, _OFFSET):
        expr = pattern.sub(" ", expr)
    return {
        name
        for name, call in _IDENTIFIER.findall(expr)
        if not call and name.lower() not in _KEYWORDS
    }


def assert_promtool_accepts(rules_file: str, tests_file: str) -> None:
    """``promtool check rules`` and ``promtool test rules`` pass for one service's alert files
    in observability/prometheus (promtool installed by the test when missing)."""
    promtool = ensure_promtool()
    for command in (["check", "rules", rules_file], ["test", "rules", tests_file]):
        result = subprocess.run(
            [promtool, *command], cwd=PROMETHEUS_DIR, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
