"""There is exactly one late-policy implementation: the kernel's. This service calls it and
computes nothing of its own, and agrees with it on the edges (one second late, exactly a day)."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

import lms.submission
from lms.submission.domain.assignments import AssignmentRules, CoursePolicy, FileRules, GradePosting
from lms.submission.domain.submissions import evaluate_attempt
from lms_platform.kernel import grading
from lms_platform.kernel.grading import (
    AssignmentDates,
    EffectiveDates,
    GradingType,
    LateInterval,
    LatePolicy,
)

SOURCE = Path(lms.submission.__file__).parent
DUE = datetime(2026, 5, 1, 12, tzinfo=UTC)


def _rules(**changes: object) -> AssignmentRules:
    values: dict[str, object] = {
        "id": uuid4(), "tenant_id": "c", "course_id": uuid4(), "title": "t", "published": True,
        "deleted": False, "locked": False, "dates": AssignmentDates(due_at=DUE), "overrides": (),
        "points_possible": Decimal(10), "grading_type": GradingType.POINTS,
        "submission_kinds": frozenset({"text"}), "file_rules": FileRules(), "allowed_attempts": -1,
        "anonymous_grading": False, "grade_posting": GradePosting.AUTOMATIC, "version": 1,
    }  # fmt: skip
    values.update(changes)
    return AssignmentRules(**values)  # type: ignore[arg-type]


def test_the_service_defines_no_late_rule_of_its_own() -> None:
    callers, definitions = [], []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in {
                "evaluate",
                "effective_dates",
            }:
                definitions.append(f"{path}:{node.name}")
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "lms_platform.kernel.grading"
                and any(alias.name == "evaluate" for alias in node.names)
            ):
                callers.append(path.name)
            # Arithmetic on due dates (due_at - submitted_at ...) would be a second rule.
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
                names = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
                assert not names & {"due_at", "lock_at"}, f"date arithmetic in {path}"
    assert definitions == []
    assert callers == ["submissions.py"]  # the one place that applies the kernel's rule


@pytest.mark.parametrize(
    ("at", "late", "seconds"),
    [
        (DUE, False, 0),
        (DUE + timedelta(seconds=1), True, 1),
        (DUE + timedelta(microseconds=1), True, 1),
        (DUE + timedelta(days=1), True, 86400),
    ],
)
def test_it_agrees_with_the_kernel_on_the_edges(at: datetime, late: bool, seconds: int) -> None:
    policy = LatePolicy(
        late_deduction_enabled=True,
        late_deduction_percent=Decimal(10),
        late_interval=LateInterval.DAY,
    )
    rules = _rules()
    dates = rules.dates_for(uuid4(), [])
    ours = evaluate_attempt(
        at,
        rules,
        dates,
        CoursePolicy(
            tenant_id="c", course_id=rules.course_id, policy=policy, version=1, updated_at=DUE
        ),
        at,
    )
    kernel = grading.evaluate(at, EffectiveDates.of(rules.dates), policy, now=at)
    assert ours == kernel
    assert (ours.late, ours.seconds_late) == (late, seconds)


def test_missing_agrees_with_the_kernel() -> None:
    rules = _rules()
    after = DUE + timedelta(seconds=1)
    ours = evaluate_attempt(None, rules, rules.dates_for(uuid4(), []), None, after)
    assert ours.missing is True
    assert ours == grading.evaluate(
        None, EffectiveDates.of(rules.dates), grading.NO_LATE_POLICY, now=after
    )
